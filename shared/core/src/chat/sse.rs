//! A Server-Sent Events parser for provider streams (the WHATWG
//! `text/event-stream` rules): bytes arrive in chunks split anywhere — in the
//! middle of a line, of a CRLF, of a UTF-8 character — and complete events
//! come out. Lines end with LF, CR or CRLF; `:` lines are comments; several
//! `data:` lines join with `\n`; a blank line dispatches the event.

/// One dispatched event. `event` is `"message"` when the stream named none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of the line being read. Line ends are ASCII, so a line is only
    /// decoded once whole and a split UTF-8 character is never cut.
    line: Vec<u8>,
    data: String,
    has_data: bool,
    event: String,
    id: Option<String>,
    /// The previous chunk ended with CR: an LF opening this one is part of
    /// the same line end.
    after_cr: bool,
    /// Nothing read yet: a leading byte-order mark is skipped.
    started: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk; returns the events it completed.
    pub fn push(&mut self, mut bytes: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        if bytes.is_empty() {
            return events;
        }
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        while !bytes.is_empty() {
            match bytes.iter().position(|b| *b == b'\n' || *b == b'\r') {
                None => {
                    self.line.extend_from_slice(bytes);
                    break;
                }
                Some(end) => {
                    self.line.extend_from_slice(&bytes[..end]);
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.process_line(&line) {
                        events.push(event);
                    }
                    let mut next = end + 1;
                    if bytes[end] == b'\r' {
                        match bytes.get(next) {
                            Some(b'\n') => next += 1,
                            None => self.after_cr = true,
                            Some(_) => {}
                        }
                    }
                    bytes = &bytes[next..];
                }
            }
        }
        events
    }

    /// The stream ended. By the standard an event without its closing blank
    /// line is dropped, so a cut stream never yields half an event.
    pub fn finish(&mut self) {
        *self = Self::default();
    }

    fn process_line(&mut self, raw: &[u8]) -> Option<SseEvent> {
        let mut raw = raw;
        if !self.started {
            self.started = true;
            if let Some(rest) = raw.strip_prefix("\u{feff}".as_bytes()) {
                raw = rest;
            }
        }
        if raw.is_empty() {
            return self.dispatch();
        }
        let line = String::from_utf8_lossy(raw);
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = value.to_owned(),
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        let name = if event.is_empty() { "message".to_owned() } else { event };
        Some(SseEvent { event: name, data: std::mem::take(&mut self.data), id: self.id.clone() })
    }
}

/// Parses a whole body at once (tests, non-streaming fallbacks).
pub fn parse_all(body: &[u8]) -> Vec<SseEvent> {
    SseParser::new().push(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent { event: event.into(), data: data.into(), id: None }
    }

    #[test]
    fn openai_style_data_lines() {
        let body = b"data: {\"a\":1}\n\ndata: [DONE]\n\n";
        assert_eq!(parse_all(body), vec![ev("message", "{\"a\":1}"), ev("message", "[DONE]")]);
    }

    #[test]
    fn named_events_comments_multiline_data_and_ids() {
        let body = b": keep-alive\r\nevent: ping\r\ndata: {}\r\n\r\nid: 7\nevent: delta\ndata: one\ndata:two\ndata\n\n";
        let events = parse_all(body);
        assert_eq!(events[0], ev("ping", "{}"));
        assert_eq!(events[1], SseEvent { event: "delta".into(), data: "one\ntwo\n".into(), id: Some("7".into()) });
    }

    #[test]
    fn lone_cr_ends_lines_and_event_names_reset_between_events() {
        let events = parse_all(b"event: a\rdata: x\r\rdata: y\r\r");
        assert_eq!(events, vec![ev("a", "x"), ev("message", "y")]);
    }

    #[test]
    fn a_blank_line_without_data_dispatches_nothing() {
        assert!(parse_all(b"event: lonely\n\n\n\n: comment\n\n").is_empty());
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        let mut p = SseParser::new();
        assert!(p.push(b"data: a\r").is_empty());
        assert!(p.push(b"\n").is_empty());
        assert_eq!(p.push(b"\r\n"), vec![ev("message", "a")]);
    }

    #[test]
    fn utf8_split_mid_character_survives() {
        let body = "data: héllo — 日本\n\n".as_bytes();
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for b in body {
            out.extend(p.push(std::slice::from_ref(b)));
        }
        assert_eq!(out, vec![ev("message", "héllo — 日本")]);
    }

    #[test]
    fn an_unterminated_last_event_is_dropped() {
        let mut p = SseParser::new();
        assert_eq!(p.push(b"data: whole\n\ndata: half"), vec![ev("message", "whole")]);
        p.finish();
        assert!(p.push(b"\n\n").is_empty());
    }

    #[test]
    fn byte_order_mark_is_skipped_once() {
        assert_eq!(parse_all("\u{feff}data: x\n\n".as_bytes()), vec![ev("message", "x")]);
    }

    /// Events as a provider would write them, in any line-end style.
    fn encode(events: &[(String, Vec<String>)], line_end: &str, comments: bool) -> Vec<u8> {
        let mut out = String::new();
        for (name, lines) in events {
            if comments {
                out.push_str(": tick");
                out.push_str(line_end);
            }
            if !name.is_empty() {
                out.push_str(&format!("event: {name}{line_end}"));
            }
            for line in lines {
                out.push_str(&format!("data: {line}{line_end}"));
            }
            out.push_str(line_end);
        }
        out.into_bytes()
    }

    fn split_at_points(bytes: &[u8], points: &[usize]) -> Vec<SseEvent> {
        let mut cuts: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain(std::iter::once(bytes.len())) {
            out.extend(parser.push(&bytes[start..cut]));
            start = cut;
        }
        out
    }

    proptest! {
        #[test]
        fn any_split_gives_the_events_that_were_written(
            events in prop::collection::vec(("[a-z_]{0,12}", prop::collection::vec("[^\r\n]{0,20}", 1..4)), 0..8),
            line_end in prop::sample::select(vec!["\n", "\r\n", "\r"]),
            comments in any::<bool>(),
            points in prop::collection::vec(any::<usize>(), 0..12),
        ) {
            let bytes = encode(&events, line_end, comments);
            let expected: Vec<SseEvent> = events
                .iter()
                .map(|(name, lines)| ev(if name.is_empty() { "message" } else { name }, &lines.join("\n")))
                .collect();
            prop_assert_eq!(split_at_points(&bytes, &points), expected);
        }

        #[test]
        fn arbitrary_bytes_parse_the_same_however_split(
            bytes in prop::collection::vec(any::<u8>(), 0..300),
            points in prop::collection::vec(any::<usize>(), 0..16),
        ) {
            prop_assert_eq!(split_at_points(&bytes, &points), parse_all(&bytes));
        }
    }
}
