//! Media generation (images, audio, video) as pure Rust: each provider's
//! options and prices, its wire format, and checks that what comes back is
//! a real file of the right type. The edge crate does the I/O.

pub mod audio;
pub mod delivery;
pub mod history;
pub mod image;
pub mod jobs;
pub mod music;
pub mod sniff;
pub mod task;
pub mod video;

use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// `field` must be one of `values`.
pub(crate) fn allowed(field: &str, values: &[&str]) -> ApiError {
    ApiError::invalid("invalid_value", field, format!("`{field}` must be one of: {}", values.join(", ")))
}

/// `field` for `what` (a model, a provider) must be one of `values`.
pub(crate) fn allowed_for(field: &str, what: &str, values: &[&str]) -> ApiError {
    ApiError::invalid("invalid_value", field, format!("`{field}` for {what} must be one of: {}", values.join(", ")))
}

/// `field` is not an option of `what`.
pub(crate) fn not_for(field: &str, what: &str) -> ApiError {
    ApiError::invalid("unsupported_option", field, format!("`{field}` is not an option of {what}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
}

impl MediaKind {
    pub const ALL: [MediaKind; 3] = [MediaKind::Image, MediaKind::Audio, MediaKind::Video];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }

    pub fn parse(raw: &str, field: &str) -> ApiResult<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| ApiError::invalid("invalid_value", field, format!("`{field}` must be one of: image, audio, video")))
    }
}
