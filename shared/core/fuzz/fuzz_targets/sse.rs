//! The SSE parser on arbitrary bytes cut at arbitrary places: it never
//! panics, and however the bytes are split the events are the same, and
//! each provider's decoder accepts whatever events come out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webox_core::chat::sse::{parse_all, SseParser};
use webox_core::chat::{ChatProvider, StreamState};

fuzz_target!(|input: (Vec<u8>, Vec<u16>)| {
    let (bytes, cuts) = input;
    let whole = parse_all(&bytes);
    let mut cuts: Vec<usize> = cuts.into_iter().map(|c| usize::from(c) % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut parser = SseParser::new();
    let mut split = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain(std::iter::once(bytes.len())) {
        split.extend(parser.push(&bytes[start..cut]));
        start = cut;
    }
    assert_eq!(whole, split);
    for provider in ChatProvider::ALL {
        let mut state = StreamState::default();
        for event in &whole {
            provider.client().decode_event(event, &mut state);
        }
    }
});
