//! The simulated model: a deterministic answer that quotes the last user
//! message (`Simulated {model} reply: you said "...".` and filler), split
//! into word tokens so streams and token counts are predictable, and what
//! the `[sim:...]` markers (`crate::markers`) ask of a chat call.

use std::time::Duration;

use crate::markers;

/// What the markers ask of a call. Only the first outcome marker counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answer,
    /// `[sim:refuse]`: the provider's refusal, no text.
    Refuse,
    /// `[sim:break]`: three tokens, then the connection drops.
    Break,
    /// `[sim:midstream-error]`: three tokens, then Anthropic's `error` event.
    MidstreamError,
    /// `[sim:401]`
    Unauthorized,
    /// `[sim:429]`
    RateLimited,
    /// `[sim:500]`
    ServerError,
    /// `[sim:overloaded]`
    Overloaded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behaviour {
    pub outcome: Outcome,
    /// `[sim:tokens=N]`: exactly N tokens.
    pub tokens: Option<usize>,
    /// `[sim:delay=MS]`: the pause between streamed tokens.
    pub delay: Option<Duration>,
    /// `[sim:first=MS]`: the wait before the first chunk.
    pub first: Option<Duration>,
}

const MAX_TOKENS: usize = 5000;
const MAX_DELAY_MS: u64 = 2000;
/// Long enough to test the site's timeouts, short enough not to hang a test run.
const MAX_FIRST_MS: u64 = 60_000;

impl Behaviour {
    /// From the markers in the last user message and in the
    /// `X-Sim-Behaviour` header (the same words, with or without `[sim:]`,
    /// separated by commas or spaces).
    pub fn read(last_user_text: &str, header: Option<&str>) -> Self {
        let mut behaviour = Behaviour { outcome: Outcome::Answer, tokens: None, delay: None, first: None };
        for word in markers::words(last_user_text, header) {
            behaviour.apply(&word);
        }
        behaviour
    }

    fn apply(&mut self, word: &str) {
        let outcome = match word {
            "refuse" => Outcome::Refuse,
            "break" => Outcome::Break,
            "midstream-error" => Outcome::MidstreamError,
            "401" => Outcome::Unauthorized,
            "429" => Outcome::RateLimited,
            "500" => Outcome::ServerError,
            "overloaded" => Outcome::Overloaded,
            _ => {
                self.apply_setting(word);
                return;
            }
        };
        if self.outcome == Outcome::Answer {
            self.outcome = outcome;
        }
    }

    fn apply_setting(&mut self, word: &str) {
        let Some((name, value)) = markers::setting(word) else { return };
        match name {
            "tokens" => self.tokens = Some(usize::try_from(value).unwrap_or(MAX_TOKENS).min(MAX_TOKENS)),
            "delay" => self.delay = Some(Duration::from_millis(value.min(MAX_DELAY_MS))),
            "first" => self.first = Some(Duration::from_millis(value.min(MAX_FIRST_MS))),
            _ => {}
        }
    }
}

/// How long an answer is when nothing asks otherwise (the opening sentence is never cut).
const DEFAULT_TOKENS: usize = 12;

const FILLER: &str = "This answer comes from the WeBox simulator, one word at a time. No real model was asked, so the words mean nothing. \
                      They let the site show streaming, count tokens and price the call.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Each a word and the space after it (the last has none), so they join into the text.
    pub tokens: Vec<String>,
    pub prompt_tokens: u64,
    /// The answer was cut at the request's `max_tokens`.
    pub hit_max_tokens: bool,
}

impl Reply {
    /// `wanted` is `[sim:tokens=N]`; `max_tokens` the request's limit,
    /// which cuts the answer short as a real model would be.
    pub fn compose(model: &str, last_user_text: &str, input_chars: usize, wanted: Option<usize>, max_tokens: Option<u64>) -> Self {
        let opening = format!("Simulated {model} reply: you said \"{}\".", markers::strip(last_user_text));
        let opening_words = opening.split_whitespace().count();
        let length = wanted.unwrap_or(opening_words.clamp(DEFAULT_TOKENS, MAX_TOKENS));
        let limit = max_tokens.map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
        let words: Vec<&str> = opening.split_whitespace().chain(FILLER.split_whitespace().cycle()).take(length.min(limit)).collect();
        let last = words.len().saturating_sub(1);
        let tokens = words.iter().enumerate().map(|(i, w)| if i == last { (*w).to_owned() } else { format!("{w} ") }).collect();
        Reply { tokens, prompt_tokens: input_chars.div_ceil(4) as u64, hit_max_tokens: length > limit }
    }

    pub fn text(&self) -> String {
        self.tokens.concat()
    }

    pub fn completion_tokens(&self) -> u64 {
        self.tokens.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_from_the_message_and_the_header() {
        let b = Behaviour::read("hi [sim:tokens=40] there [sim:delay=5][sim:first=100]", None);
        assert_eq!(b, Behaviour { outcome: Outcome::Answer, tokens: Some(40), delay: Some(Duration::from_millis(5)), first: Some(Duration::from_millis(100)) });
        assert_eq!(Behaviour::read("hello", Some("break")).outcome, Outcome::Break);
        assert_eq!(Behaviour::read("hello", Some("[sim:429], tokens=3")).tokens, Some(3));
        assert_eq!(Behaviour::read("[sim:REFUSE] [sim:500]", None).outcome, Outcome::Refuse, "the first outcome wins");
        assert_eq!(Behaviour::read("[sim:overloaded]", None).outcome, Outcome::Overloaded);
        assert_eq!(Behaviour::read("[sim:midstream-error]", None).outcome, Outcome::MidstreamError);
        assert_eq!(Behaviour::read("[sim:401", None).outcome, Outcome::Answer, "an unclosed marker is text");
    }

    #[test]
    fn settings_are_capped() {
        let b = Behaviour::read("[sim:tokens=99999][sim:delay=99999][sim:first=x]", None);
        assert_eq!(b.tokens, Some(5000));
        assert_eq!(b.delay, Some(Duration::from_millis(2000)));
        assert_eq!(b.first, None);
    }

    #[test]
    fn the_reply_quotes_the_message_without_markers() {
        let reply = Reply::compose("gpt-4o", "Hello\n  there [sim:delay=1]", 26, None, None);
        assert!(reply.text().starts_with("Simulated gpt-4o reply: you said \"Hello there\". This answer"), "{}", reply.text());
        assert_eq!(reply.tokens.len(), 12);
        assert_eq!(reply.tokens[0], "Simulated ");
        assert!(!reply.text().ends_with(' '));
        assert_eq!(reply.prompt_tokens, 7, "ceil(26 / 4)");
        assert!(!reply.hit_max_tokens);
    }

    #[test]
    fn a_long_message_is_quoted_whole_by_default() {
        let message = "word ".repeat(30);
        let reply = Reply::compose("m", &message, message.len(), None, None);
        assert_eq!(reply.tokens.len(), 5 + 30);
    }

    #[test]
    fn the_token_count_can_be_chosen_and_is_capped_by_max_tokens() {
        assert_eq!(Reply::compose("m", "hi", 2, Some(300), None).tokens.len(), 300);
        assert_eq!(Reply::compose("m", "hi", 2, Some(0), None).text(), "");
        let cut = Reply::compose("m", "hi", 2, Some(300), Some(20));
        assert_eq!(cut.completion_tokens(), 20);
        assert!(cut.hit_max_tokens);
    }
}
