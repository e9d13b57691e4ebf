//! Generations made as provider tasks (videos, songs): one view over the
//! video providers (`video.rs`) and the song gateways (`music.rs`) that a
//! `GenerationJob` follows — where to poll, with which headers, how to read
//! the answer, and what file must come back.

use serde::Serialize;

use crate::error::ApiResult;
use crate::media::audio::AudioProvider;
use crate::media::sniff::FileType;
use crate::media::video::{self, VideoProvider};
use crate::media::{music, MediaKind};
use crate::provider_failure::Named;

/// A task's state as we track it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TaskState {
    Queued,
    /// 0–100.
    Running { progress: i64 },
    /// Done: the files at `urls` (a song gateway makes two takes), and a
    /// poster or cover image where the provider makes one.
    Succeeded { urls: Vec<String>, thumbnail: Option<String> },
    /// Done (fal.ai): the result must be fetched from `result_path`.
    Ready,
    Failed { reason: String },
}

impl TaskState {
    pub fn one(url: String, thumbnail: Option<String>) -> Self {
        TaskState::Succeeded { urls: vec![url], thumbnail }
    }
}

/// The provider of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskProvider {
    Video(VideoProvider),
    Song(AudioProvider),
}

impl Named for TaskProvider {
    fn name(self) -> &'static str {
        match self {
            TaskProvider::Video(p) => p.name(),
            TaskProvider::Song(p) => p.name(),
        }
    }
}

impl TaskProvider {
    /// From a generation's kind and provider id.
    pub fn parse(kind: &str, provider: &str) -> ApiResult<Self> {
        match kind {
            "audio" => match AudioProvider::parse(provider)? {
                p if p.is_task() => Ok(TaskProvider::Song(p)),
                _ => Err(crate::ApiError::internal()),
            },
            _ => Ok(TaskProvider::Video(VideoProvider::parse(provider)?)),
        }
    }

    pub fn kind(self) -> MediaKind {
        match self {
            TaskProvider::Video(_) => MediaKind::Video,
            TaskProvider::Song(_) => MediaKind::Audio,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            TaskProvider::Video(p) => p.id(),
            TaskProvider::Song(p) => p.id(),
        }
    }

    pub fn config_prefix(self) -> &'static str {
        match self {
            TaskProvider::Video(p) => p.config_prefix(),
            TaskProvider::Song(p) => p.config_prefix(),
        }
    }

    pub fn default_base(self) -> &'static str {
        match self {
            TaskProvider::Video(p) => p.default_base(),
            TaskProvider::Song(p) => p.default_base(),
        }
    }

    pub fn key_provider(self) -> crate::api_keys::Provider {
        match self {
            TaskProvider::Video(p) => p.key_provider(),
            TaskProvider::Song(p) => p.key_provider(),
        }
    }

    pub fn headers(self, key: &str) -> Vec<(&'static str, String)> {
        match self {
            TaskProvider::Video(p) => video::headers(p, key),
            TaskProvider::Song(p) => music::headers(p, key),
        }
    }

    pub fn poll_path(self, task_id: &str) -> String {
        match self {
            TaskProvider::Video(p) => video::poll_path(p, task_id),
            TaskProvider::Song(p) => music::poll_path(p, task_id),
        }
    }

    pub fn parse_poll(self, body: &str) -> ApiResult<TaskState> {
        match self {
            TaskProvider::Video(p) => video::parse_poll(p, body),
            TaskProvider::Song(p) => music::parse_poll(p, body),
        }
    }

    /// The provider's task id from the creating call's answer.
    pub fn parse_created(self, body: &str) -> ApiResult<String> {
        match self {
            TaskProvider::Video(p) => video::parse_created(p, body),
            TaskProvider::Song(p) => music::parse_created(p, body),
        }
    }

    /// A refused call (creating or polling).
    pub fn from_http(self, status: u16, body: &str, retry_after: Option<u64>) -> crate::ApiError {
        match self {
            TaskProvider::Video(p) => crate::provider_failure::from_http(p, status, body, retry_after),
            TaskProvider::Song(p) => music::from_http(p, status, body, retry_after),
        }
    }

    /// Whether a downloaded file is what this task makes.
    pub fn accepts(self, file: FileType) -> bool {
        match self {
            TaskProvider::Video(_) => file == FileType::Mp4,
            TaskProvider::Song(_) => matches!(file, FileType::Mp3 | FileType::Wav),
        }
    }

    /// What the file must be, in words, for a failure message.
    pub fn file_words(self) -> &'static str {
        match self {
            TaskProvider::Video(_) => "an MP4 video",
            TaskProvider::Song(_) => "an MP3 or WAV file",
        }
    }

    /// The usage counter a finished task adds to.
    pub fn metric(self) -> &'static str {
        match self {
            TaskProvider::Video(_) => "videos_generated",
            TaskProvider::Song(_) => "audio_generated",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn songs_and_videos_are_told_apart_by_kind() {
        assert_eq!(TaskProvider::parse("video", "luma").unwrap(), TaskProvider::Video(VideoProvider::Luma));
        assert_eq!(TaskProvider::parse("audio", "udio").unwrap(), TaskProvider::Song(AudioProvider::Udio));
        assert!(TaskProvider::parse("audio", "elevenlabs").is_err());
        let suno = TaskProvider::Song(AudioProvider::Suno);
        assert!(suno.accepts(FileType::Mp3) && !suno.accepts(FileType::Mp4));
        assert_eq!((suno.kind(), suno.metric(), suno.config_prefix()), (MediaKind::Audio, "audio_generated", "SUNO"));
        assert!(TaskProvider::Video(VideoProvider::Runway).accepts(FileType::Mp4));
    }
}
