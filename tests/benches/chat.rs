//! `cargo bench -p webox-e2e --bench chat`: on a fresh local site,
//! 1. time to first token (TTFT) of the simulator alone (OpenAI wire
//!    format, streamed) versus through our stack — gateway, chat Worker,
//!    ChatRoom Durable Object, D1 — over SSE and over the WebSocket; the
//!    difference is the overhead we add;
//! 2. the room's fan-out: 50 WebSockets on one conversation, one message,
//!    how far apart the sockets receive each token.
//!
//! A measurement, not a test: it fails only if a request does.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};
use webox_e2e::bench::report;

const SAMPLES: usize = 200;
const SOCKETS: usize = 50;
const PROMPT: &str = "Benchmark [sim:tokens=3] [sim:delay=1]";

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;


/// Sends a streamed request and returns the time until the first line that
/// `is_token` accepts; the rest of the stream is drained.
fn first_token(request: reqwest::blocking::RequestBuilder, is_token: impl Fn(&str) -> bool) -> Duration {
    let start = Instant::now();
    let response = request.send().expect("the request is answered");
    assert!(response.status().is_success(), "HTTP {}", response.status());
    let mut lines = BufReader::new(response).lines();
    let mut ttft = None;
    for line in lines.by_ref() {
        let line = line.expect("the stream reads");
        if ttft.is_none() && is_token(&line) {
            ttft = Some(start.elapsed());
        }
    }
    ttft.expect("a token arrived")
}

fn connect(base: &str, token: &str, conversation: &str) -> Socket {
    let url = format!("{}/api/chat/conversation/{conversation}/stream?access_token={token}", base.replace("http://", "ws://"));
    let (mut socket, _) = tungstenite::connect(url).expect("the WebSocket opens");
    if let MaybeTlsStream::Plain(tcp) = socket.get_mut() {
        tcp.set_read_timeout(Some(Duration::from_secs(30))).expect("a timeout");
    }
    assert_eq!(next(&mut socket)["type"], "ready");
    socket
}

fn next(socket: &mut Socket) -> Value {
    loop {
        if let Message::Text(text) = socket.read().expect("a message") {
            return serde_json::from_str(text.as_str()).expect("JSON");
        }
    }
}

fn main() {
    let started = Instant::now();
    let site = webox_e2e::site();
    println!("site ready in {:.1} s", started.elapsed().as_secs_f64());
    let user = site.new_user();
    let http = reqwest::blocking::Client::new();

    // 1a. The simulator alone.
    let direct = |_| {
        let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": PROMPT}], "stream": true, "stream_options": {"include_usage": true}});
        let request = http.post(format!("{}/openai/v1/chat/completions", site.simulator)).bearer_auth(webox_e2e::OPENAI_KEY).json(&body);
        first_token(request, |line| line.starts_with("data: ") && line.contains("\"content\":\"") && !line.contains("\"content\":\"\""))
    };
    // 1b. Through the stack, SSE: one conversation, a message after another.
    let first = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Start"})).expect(200);
    let conversation = first["conversation"]["id"].as_str().expect("an id").to_owned();
    let via_sse = |_| {
        let body = json!({"conversation_id": conversation, "provider": "openai", "model": "gpt-4o", "message": PROMPT, "stream": true});
        let request = http.post(format!("{}/api/chat/send", site.base)).bearer_auth(&user.access_token).json(&body);
        first_token(request, |line| line == "event: token")
    };
    // 1c. Through the stack, WebSocket: the socket is open already.
    let ws_conversation = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Start"})).expect(200)["conversation"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let mut socket = connect(&site.base, &user.access_token, &ws_conversation);
    let mut via_ws = |_| {
        let start = Instant::now();
        let send = json!({"type": "send", "provider": "openai", "model": "gpt-4o", "message": PROMPT});
        socket.send(Message::text(send.to_string())).expect("sent");
        let mut ttft = None;
        loop {
            let event = next(&mut socket);
            match event["type"].as_str() {
                Some("token") if ttft.is_none() => ttft = Some(start.elapsed()),
                Some("done") => break,
                Some("error") => panic!("{event}"),
                _ => {}
            }
        }
        ttft.expect("a token")
    };

    // Interleaved rounds, so drift on the machine hits all three alike.
    let (mut sim, mut sse, mut ws) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..SAMPLES + 20 {
        let (a, b, c) = (direct(i), via_sse(i), via_ws(i));
        if i >= 20 {
            sim.push(a);
            sse.push(b);
            ws.push(c);
        }
    }
    println!("\nTime to first token (OpenAI format, 3-token answers):");
    let sim_p50 = report("simulator alone", sim);
    let sse_p50 = report("WeBox, SSE (POST /api/chat/send)", sse);
    let ws_p50 = report("WeBox, WebSocket (open socket)", ws);
    println!("overhead added by WeBox (p50): SSE {:.2} ms, WebSocket {:.2} ms", sse_p50 - sim_p50, ws_p50 - sim_p50);

    // 2. Fan-out to 50 sockets.
    let fan = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Fan out"})).expect(200)["conversation"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let ready = Arc::new(Barrier::new(SOCKETS + 1));
    let readers: Vec<_> = (0..SOCKETS)
        .map(|_| {
            let mut socket = connect(&site.base, &user.access_token, &fan);
            let ready = ready.clone();
            std::thread::spawn(move || {
                ready.wait();
                let mut arrivals = Vec::new();
                loop {
                    let event = next(&mut socket);
                    match event["type"].as_str() {
                        Some("token") => arrivals.push(Instant::now()),
                        Some("done") => return arrivals,
                        Some("error") => panic!("{event}"),
                        _ => {}
                    }
                }
            })
        })
        .collect();
    let mut sender = connect(&site.base, &user.access_token, &fan);
    ready.wait();
    let sent = Instant::now();
    let send = json!({"type": "send", "provider": "openai", "model": "gpt-4o", "message": "Fan out [sim:tokens=40] [sim:delay=10]"});
    sender.send(Message::text(send.to_string())).expect("sent");
    let arrivals: Vec<Vec<Instant>> = readers.into_iter().map(|r| r.join().expect("a reader")).collect();
    let tokens = arrivals[0].len();
    assert!(arrivals.iter().all(|a| a.len() == tokens), "every socket got every token");
    let spreads: Vec<Duration> = (0..tokens)
        .map(|i| {
            let times: Vec<Instant> = arrivals.iter().map(|a| a[i]).collect();
            *times.iter().max().expect("times") - *times.iter().min().expect("times")
        })
        .collect();
    let last = arrivals.iter().map(|a| *a.last().expect("tokens")).max().expect("sockets");
    println!("\nFan-out: {SOCKETS} WebSockets on one conversation, {tokens} tokens each ({} delivered):", tokens * SOCKETS);
    report("first-to-last socket, per token", spreads);
    println!("{:<34} {:>7.1} ms", "message sent → last token, all", (last - sent).as_secs_f64() * 1000.0);
}
