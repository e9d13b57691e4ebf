//! Paced streaming. Each frame is its own body chunk, written after its
//! pause, so hyper sends and flushes it on its own: clients see tokens
//! arrive one by one, with real gaps, as from the providers. A cut stream
//! ends with a body error, which makes the server drop the connection
//! without the chunked terminator — what a provider failing mid-answer
//! looks like to the site.

use std::io;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

pub const EVENT_STREAM: &str = "text/event-stream; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// The wait before the first frame.
    pub first: Duration,
    /// The pause before each token frame.
    pub between: Duration,
}

/// How a stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// After the last frame, as the provider ends a response.
    Complete,
    /// The connection drops after the last frame.
    Cut,
}

/// The frames of one streamed response, each with the pause before it.
pub struct Timeline {
    pacing: Pacing,
    frames: Vec<(Duration, String)>,
}

/// Long enough for the last frame to be flushed before a cut.
const PAUSE_BEFORE_CUT: Duration = Duration::from_millis(20);

impl Timeline {
    pub fn new(pacing: Pacing) -> Self {
        Self { pacing, frames: Vec::new() }
    }

    /// A frame sent right after the previous one (the provider's bookkeeping events).
    pub fn now(&mut self, frame: String) {
        self.push(Duration::ZERO, frame);
    }

    /// A frame sent one token delay after the previous one.
    pub fn paced(&mut self, frame: String) {
        self.push(self.pacing.between, frame);
    }

    fn push(&mut self, pause: Duration, frame: String) {
        let pause = if self.frames.is_empty() { self.pacing.first } else { pause };
        self.frames.push((pause, frame));
    }

    /// A 200 with `content_type` whose body plays the frames, then ends as `ending` says.
    pub fn into_response(self, content_type: &'static str, ending: Ending) -> Response {
        let frames = stream::iter(self.frames).then(|(pause, frame)| async move {
            tokio::time::sleep(pause).await;
            Ok::<_, io::Error>(frame)
        });
        let cut = (ending == Ending::Cut).then_some(self.pacing.between.max(PAUSE_BEFORE_CUT));
        let cut = stream::iter(cut).then(|pause| async move {
            tokio::time::sleep(pause).await;
            Err(io::Error::new(io::ErrorKind::ConnectionAborted, "simulated provider dropped the connection ([sim:break])"))
        });
        let headers = [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")];
        (StatusCode::OK, headers, Body::from_stream(frames.chain(cut))).into_response()
    }
}

/// A server-sent event with only data (OpenAI, Mistral, Groq, Gemini).
pub fn data(value: &Value) -> String {
    format!("data: {value}\n\n")
}

/// A named server-sent event (Anthropic).
pub fn event(name: &str, value: &Value) -> String {
    format!("event: {name}\ndata: {value}\n\n")
}
