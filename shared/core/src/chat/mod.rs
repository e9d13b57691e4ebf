//! Chat with AI providers, as pure Rust: what a provider request looks like,
//! how its answers and streams are read, how its errors map to ours, what a
//! message costs, and how a conversation is exported. The edge crate does
//! the I/O; everything here is tested natively.

pub mod anthropic;
pub mod catalog;
pub mod export;
pub mod gemini;
pub mod openai;
pub mod request;
pub mod sse;
pub mod title;
pub mod workers_ai;

use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
pub use crate::provider_failure as failure;
pub use sse::{SseEvent, SseParser};

/// The chat providers, by their id in our API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatProvider {
    Openai,
    Anthropic,
    Google,
    Mistral,
    Groq,
    WorkersAi,
}

impl ChatProvider {
    pub const ALL: [ChatProvider; 6] =
        [ChatProvider::Openai, ChatProvider::Anthropic, ChatProvider::Google, ChatProvider::Mistral, ChatProvider::Groq, ChatProvider::WorkersAi];

    pub fn id(self) -> &'static str {
        match self {
            ChatProvider::Openai => "openai",
            ChatProvider::Anthropic => "anthropic",
            ChatProvider::Google => "google",
            ChatProvider::Mistral => "mistral",
            ChatProvider::Groq => "groq",
            ChatProvider::WorkersAi => "workers_ai",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ChatProvider::Openai => "OpenAI",
            ChatProvider::Anthropic => "Anthropic",
            ChatProvider::Google => "Google Gemini",
            ChatProvider::Mistral => "Mistral",
            ChatProvider::Groq => "Groq",
            ChatProvider::WorkersAi => "Workers AI",
        }
    }

    pub fn parse(raw: &str, field: &str) -> ApiResult<Self> {
        let wanted = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.id() == wanted).ok_or_else(|| {
            let ids: Vec<&str> = Self::ALL.iter().map(|p| p.id()).collect();
            ApiError::invalid("unknown_provider", field, format!("`{field}` must be one of: {}", ids.join(", ")))
        })
    }

    /// The provider's production API, used unless `<PREFIX>_API_BASE` says
    /// otherwise (the simulator, a proxy).
    pub fn default_base(self) -> &'static str {
        match self {
            ChatProvider::Openai => "https://api.openai.com",
            ChatProvider::Anthropic => "https://api.anthropic.com",
            ChatProvider::Google => "https://generativelanguage.googleapis.com",
            ChatProvider::Mistral => "https://api.mistral.ai",
            ChatProvider::Groq => "https://api.groq.com",
            ChatProvider::WorkersAi => "",
        }
    }

    /// The configuration names: `{prefix}_API_BASE`, `{prefix}_API_KEY`,
    /// `{prefix}_CHAT_MODELS`.
    pub fn config_prefix(self) -> &'static str {
        match self {
            ChatProvider::Openai => "OPENAI",
            ChatProvider::Anthropic => "ANTHROPIC",
            ChatProvider::Google => "GEMINI",
            ChatProvider::Mistral => "MISTRAL",
            ChatProvider::Groq => "GROQ",
            ChatProvider::WorkersAi => "WORKERS_AI",
        }
    }

    /// The platform key's secret name (Google's is GOOGLE_API_KEY, as in the
    /// system we replace).
    pub fn key_secret(self) -> Option<&'static str> {
        match self {
            ChatProvider::Openai => Some("OPENAI_API_KEY"),
            ChatProvider::Anthropic => Some("ANTHROPIC_API_KEY"),
            ChatProvider::Google => Some("GOOGLE_API_KEY"),
            ChatProvider::Mistral => Some("MISTRAL_API_KEY"),
            ChatProvider::Groq => Some("GROQ_API_KEY"),
            ChatProvider::WorkersAi => None,
        }
    }

    /// The profile's stored-key provider, for the user's own key.
    pub fn key_provider(self) -> Option<crate::api_keys::Provider> {
        use crate::api_keys::Provider;
        match self {
            ChatProvider::Openai => Some(Provider::Openai),
            ChatProvider::Anthropic => Some(Provider::Anthropic),
            ChatProvider::Google => Some(Provider::Google),
            ChatProvider::Mistral => Some(Provider::Mistral),
            ChatProvider::Groq => Some(Provider::Groq),
            ChatProvider::WorkersAi => None,
        }
    }

    /// The wire format this provider speaks.
    pub fn client(self) -> &'static dyn ChatClient {
        match self {
            ChatProvider::Openai => &openai::OPENAI,
            ChatProvider::Mistral => &openai::MISTRAL,
            ChatProvider::Groq => &openai::GROQ,
            ChatProvider::Anthropic => &anthropic::Anthropic,
            ChatProvider::Google => &gemini::Gemini,
            ChatProvider::WorkersAi => &workers_ai::WorkersAi,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One message of the conversation so far, as sent to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub role: Role,
    pub content: String,
}

/// What we ask a provider: the model, the system prompt, the history ending
/// with the user's new message, and the sampling options.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub system: Option<String>,
    pub turns: Vec<Turn>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
}

impl ChatRequest {
    /// The turns with consecutive same-role messages merged (a user message
    /// whose answer failed is followed by the next user message): Anthropic
    /// and Gemini require alternating roles.
    pub fn alternating_turns(&self) -> Vec<Turn> {
        let mut out: Vec<Turn> = Vec::with_capacity(self.turns.len());
        for turn in &self.turns {
            match out.last_mut() {
                Some(last) if last.role == turn.role => {
                    last.content.push_str("\n\n");
                    last.content.push_str(&turn.content);
                }
                _ => out.push(turn.clone()),
            }
        }
        // Both require the first message to be the user's.
        while out.first().is_some_and(|t| t.role == Role::Assistant) {
            out.remove(0);
        }
        out
    }
}

/// An HTTP call to make: the edge sends it as is.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCall {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

impl HttpCall {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Stop,
    Length,
    /// The provider declined to answer (content policy).
    Refused,
    Other(String),
}

/// A whole answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub finish: Finish,
}

/// What one stream event meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStep {
    /// Text to show (may be empty for bookkeeping events).
    Text(String),
    /// The provider said the answer is complete.
    Done,
    /// The provider reported an error inside the stream.
    Failed(ApiError),
}

/// The running state of one streamed answer: text so far, usage, finish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamState {
    pub text: String,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub finish: Option<Finish>,
    pub done: bool,
}

impl StreamState {
    /// The answer as it stands; counts the provider did not report are
    /// estimated (about four characters per token).
    pub fn completion(&self, prompt_chars: usize) -> Completion {
        Completion {
            text: self.text.clone(),
            tokens_in: self.tokens_in.unwrap_or_else(|| estimate_tokens(prompt_chars)),
            tokens_out: self.tokens_out.unwrap_or_else(|| estimate_tokens(self.text.chars().count())),
            finish: self.finish.clone().unwrap_or(Finish::Stop),
        }
    }
}

pub fn estimate_tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4)
}

/// One provider's wire format: the request to send, the answer to read, the
/// stream to decode and the error to report.
pub trait ChatClient: Sync {
    fn provider(&self) -> ChatProvider;

    /// The request for `req`; `stream` asks for a token stream.
    fn call(&self, base: &str, key: &str, req: &ChatRequest, stream: bool) -> HttpCall;

    /// Reads a successful non-streamed answer.
    fn parse_completion(&self, body: &str) -> ApiResult<Completion>;

    /// Reads one event of a streamed answer into `state`.
    fn decode_event(&self, event: &SseEvent, state: &mut StreamState) -> StreamStep;

    /// A provider error answer (status ≥ 400) as our error.
    fn error(&self, status: u16, body: &str, retry_after: Option<u64>) -> ApiError {
        failure::from_http(self.provider(), status, body, retry_after)
    }
}

fn base_url(base: &str) -> &str {
    base.trim_end_matches('/')
}

fn as_u64(value: &Value) -> Option<u64> {
    value.as_u64()
}

fn parse_json(provider: ChatProvider, body: &str) -> ApiResult<Value> {
    serde_json::from_str(body).map_err(|_| failure::bad_answer(provider))
}
