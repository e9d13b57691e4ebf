//! The `[sim:...]` markers that make a simulated provider misbehave on
//! purpose, shared by the chat, image, audio and video providers: written
//! in the message, prompt or text (`Hello [sim:429]`), or in an `X-Sim-Behaviour`
//! header (the same words, with or without `[sim:]`, separated by commas or
//! spaces). Each family gives the words their meaning.

use std::time::Duration;

/// The marker words in `text`, then those in `header`, lowercased, in order.
pub fn words(text: &str, header: Option<&str>) -> Vec<String> {
    let in_text = text.split("[sim:").skip(1).filter_map(|rest| rest.split_once(']').map(|(word, _)| word));
    let in_header = header.unwrap_or_default().split([',', ' ']).map(|w| w.trim().trim_start_matches("[sim:").trim_end_matches(']'));
    in_text.chain(in_header).map(|w| w.trim().to_ascii_lowercase()).filter(|w| !w.is_empty()).collect()
}

/// A `name=N` word as its name and number.
pub fn setting(word: &str) -> Option<(&str, u64)> {
    let (name, value) = word.split_once('=')?;
    Some((name.trim(), value.trim().parse().ok()?))
}

/// A `name=MS` word as the time it asks for, held to `longest`.
pub fn millis(word: &str, name: &str, longest: Duration) -> Option<Duration> {
    let (said, ms) = setting(word)?;
    (said == name).then(|| Duration::from_millis(ms).min(longest))
}

/// A `delay=MS` word as the wait it asks for, held to `longest`.
pub fn delay(word: &str, longest: Duration) -> Option<Duration> {
    millis(word, "delay", longest)
}

/// `text` without its markers, whitespace collapsed: what a reply quotes
/// and what a picture is drawn from.
pub fn strip(text: &str) -> String {
    let mut kept = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("[sim:") {
        kept.push_str(&rest[..start]);
        rest = rest[start..].split_once(']').map(|(_, after)| after).unwrap_or_default();
    }
    kept.push_str(rest);
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_from_the_text_then_the_header() {
        assert_eq!(words("a [sim:429] b [sim: Delay=5 ]", Some("[sim:500], moderation  x")), ["429", "delay=5", "500", "moderation", "x"]);
        assert!(words("[sim:401", None).is_empty(), "an unclosed marker is text");
        assert!(words("plain", Some("")).is_empty());
    }

    #[test]
    fn settings_are_a_name_and_a_number() {
        assert_eq!(setting("delay=40"), Some(("delay", 40)));
        assert_eq!(setting("delay=x"), None);
        assert_eq!(setting("429"), None);
    }

    #[test]
    fn delays_are_held_to_the_longest_allowed() {
        let longest = Duration::from_secs(60);
        assert_eq!(delay("delay=250", longest), Some(Duration::from_millis(250)));
        assert_eq!(delay("delay=9999999", longest), Some(longest));
        assert_eq!(delay("tokens=5", longest), None);
        assert_eq!(delay("delay", longest), None);
    }

    #[test]
    fn named_times_are_read_only_under_their_name() {
        let longest = Duration::from_secs(600);
        assert_eq!(millis("task-ms=1500", "task-ms", longest), Some(Duration::from_millis(1500)));
        assert_eq!(millis("task-ms=99999999", "task-ms", longest), Some(longest));
        assert_eq!(millis("delay=1500", "task-ms", longest), None);
    }

    #[test]
    fn stripping_drops_markers_and_collapses_whitespace() {
        assert_eq!(strip("A  red\nfox [sim:delay=1] at dawn"), "A red fox at dawn");
        assert_eq!(strip("[sim:401"), "");
    }
}
