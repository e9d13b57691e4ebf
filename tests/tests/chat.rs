//! Chat end to end: every provider through the simulator (whole answers,
//! SSE streams, each error class), the conversation's WebSocket (fan-out,
//! disconnects), key resolution, conversations, export, presets.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message as WsMessage, WebSocket};
use webox_e2e::{site, User, GROQ_KEY};

/// (provider, model) for each HTTP provider.
const PROVIDERS: &[(&str, &str)] = &[
    ("openai", "gpt-4o"),
    ("anthropic", "claude-haiku-4-5"),
    ("google", "gemini-2.5-flash"),
    ("mistral", "mistral-small-latest"),
    ("groq", "llama-3.1-8b-instant"),
];

fn groq_user() -> User {
    let user = site().new_user();
    user.client.put("/api/profile/api-keys", json!({"provider": "groq", "key": GROQ_KEY})).expect(200);
    user
}

/// `POST /api/chat/send` with `stream: true`: the events as they arrived,
/// each with the time it arrived.
fn stream(user: &User, body: Value) -> Vec<(Instant, String, Value)> {
    let mut body = body;
    body["stream"] = json!(true);
    let response = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
        .post(format!("{}/api/chat/send", site().base))
        .bearer_auth(&user.access_token)
        .json(&body)
        .send()
        .expect("the site answers");
    assert_eq!(response.status().as_u16(), 200, "stream refused: {:?}", response.text());
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut events = Vec::new();
    let mut name = String::new();
    for line in BufReader::new(response).lines() {
        let line = line.expect("the stream reads");
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_owned();
        } else if let Some(data) = line.strip_prefix("data: ") {
            events.push((Instant::now(), std::mem::take(&mut name), serde_json::from_str(data).expect("JSON data")));
        }
    }
    events
}

fn names(events: &[(Instant, String, Value)]) -> Vec<&str> {
    let mut out: Vec<&str> = events.iter().map(|(_, n, _)| n.as_str()).collect();
    out.dedup();
    out
}

fn tokens(events: &[(Instant, String, Value)]) -> String {
    events.iter().filter(|(_, n, _)| n == "token").map(|(_, _, v)| v["text"].as_str().unwrap()).collect()
}

fn conversation(user: &User, id: &str) -> Value {
    user.client.get(&format!("/api/chat/conversation/{id}")).expect(200)
}

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

fn connect(user: &User, conversation_id: &str) -> Socket {
    let url = format!("{}/api/chat/conversation/{conversation_id}/stream?access_token={}", site().base.replace("http://", "ws://"), user.access_token);
    let (mut socket, response) = tungstenite::connect(url).expect("the WebSocket opens");
    assert_eq!(response.status().as_u16(), 101);
    if let MaybeTlsStream::Plain(tcp) = socket.get_mut() {
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    }
    let ready = next_event(&mut socket);
    assert_eq!(ready["type"], "ready", "{ready}");
    socket
}

fn next_event(socket: &mut Socket) -> Value {
    loop {
        match socket.read().expect("a WebSocket message") {
            WsMessage::Text(text) => return serde_json::from_str(text.as_str()).expect("JSON event"),
            WsMessage::Ping(_) | WsMessage::Pong(_) => continue,
            other => panic!("unexpected WebSocket message {other:?}"),
        }
    }
}

/// Events until `done` or `error`, inclusive.
fn events_until_end(socket: &mut Socket) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let event = next_event(socket);
        let end = event["type"] == "done" || event["type"] == "error";
        events.push(event);
        if end {
            return events;
        }
    }
}

fn ws_send(socket: &mut Socket, body: Value) {
    socket.send(WsMessage::text(body.to_string())).expect("the message is sent");
}

/// The calls the simulated `provider` received whose body mentions `tag`.
fn simulator_requests(provider: &str, tag: &str) -> Vec<Value> {
    let all: Value = reqwest::blocking::get(format!("{}/_sim/llm", site().simulator)).unwrap().json().unwrap();
    all["requests"].as_array().unwrap().iter().filter(|r| r["provider"] == provider && r["body"].to_string().contains(tag)).cloned().collect()
}

#[test]
fn every_provider_answers_whole_and_streamed_with_tokens_and_cost() {
    let user = groq_user();
    for (provider, model) in PROVIDERS {
        let tag = webox_e2e::unique("tag");
        let hello = format!("Hello there {tag}");
        let whole = user.client.post("/api/chat/send", json!({"provider": provider, "model": model, "message": hello})).expect(200);
        let answer = &whole["message"];
        assert_eq!(answer["role"], "assistant");
        assert_eq!(answer["status"], "complete");
        assert!(answer["content"].as_str().unwrap().contains(&format!("you said \"{hello}\"")), "{provider}: {answer}");
        assert!(answer["tokens_in"].as_i64().unwrap() > 0 && answer["tokens_out"].as_i64().unwrap() > 0, "{provider}: {answer}");
        assert!(answer["cost_micros"].as_i64().unwrap() > 0, "{provider}: {answer}");
        assert_eq!((answer["provider"].as_str(), answer["model"].as_str()), (Some(*provider), Some(*model)));
        assert_eq!(whole["conversation"]["title"], hello.as_str());
        let id = whole["conversation"]["id"].as_str().unwrap().to_owned();

        // The same conversation, streamed: the history goes with it.
        let events = stream(&user, json!({"conversation_id": id, "provider": provider, "model": model, "message": "And again [sim:tokens=8]"}));
        assert_eq!(names(&events), ["start", "token", "done"], "{provider}");
        let done = &events.last().unwrap().2["message"];
        assert_eq!(done["content"].as_str().unwrap(), tokens(&events), "{provider}: the saved text is what streamed");
        assert_eq!(done["tokens_out"], 8, "{provider}: {done}");
        assert!(events.iter().filter(|(_, n, _)| n == "token").count() >= 8);

        let saved = conversation(&user, &id);
        let roles: Vec<&str> = saved["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["user", "assistant", "user", "assistant"], "{provider}");
        assert_eq!(saved["conversation"]["message_count"], 4);
        let cost: i64 = saved["messages"].as_array().unwrap().iter().map(|m| m["cost_micros"].as_i64().unwrap()).sum();
        assert_eq!(saved["conversation"]["total_cost_micros"], cost);

        // Both calls reached the provider; the second carried the history.
        let requests = simulator_requests(provider, &tag);
        assert_eq!(requests.len(), 2, "{provider}: {requests:?}");
        assert_eq!((requests[0]["stream"].as_bool(), requests[1]["stream"].as_bool()), (Some(false), Some(true)));
        assert!(requests[1]["body"].to_string().contains("And again"));
    }
}

#[test]
fn tokens_arrive_as_the_provider_sends_them() {
    let user = site().new_user();
    let events = stream(&user, json!({"provider": "openai", "model": "gpt-4o", "message": "Count slowly [sim:tokens=10] [sim:delay=80]"}));
    let arrivals: Vec<Instant> = events.iter().filter(|(_, n, _)| n == "token").map(|(t, _, _)| *t).collect();
    assert_eq!(arrivals.len(), 10);
    let spread = *arrivals.last().unwrap() - arrivals[0];
    // 9 gaps of 80 ms: tokens were forwarded one by one, not buffered.
    assert!(spread >= Duration::from_millis(500), "tokens arrived within {spread:?}");
}

#[test]
fn provider_errors_are_clear_and_keep_the_users_message() {
    let user = groq_user();
    let classes: &[(&str, u16, &str)] = &[
        ("[sim:401]", 502, "provider_auth"),
        ("[sim:429]", 429, "provider_rate_limited"),
        ("[sim:500]", 502, "provider_unavailable"),
        ("[sim:overloaded]", 502, "provider_unavailable"),
        ("[sim:refuse]", 422, "provider_refused"),
    ];
    let cases: Vec<(&str, &str, &str, u16, &str)> =
        PROVIDERS.iter().flat_map(|(provider, model)| classes.iter().map(move |(marker, status, code)| (*provider, *model, *marker, *status, *code))).collect();
    for (provider, model, marker, status, code) in &cases {
        let first = user.client.post("/api/chat/send", json!({"provider": provider, "model": model, "message": "Hello"})).expect(200);
        let id = first["conversation"]["id"].as_str().unwrap();
        let message = format!("Please fail {marker}");
        let err = user.client.post("/api/chat/send", json!({"conversation_id": id, "provider": provider, "model": model, "message": message})).expect_error(*status, code);
        assert!(err["message"].as_str().unwrap().contains(&provider_name(provider)), "{err}");
        if *code == "provider_rate_limited" {
            assert_eq!(err["retry_after"], 7, "{err}");
        }
        // The user's message is kept; no answer is recorded.
        let saved = conversation(&user, id);
        let messages = saved["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 3, "{provider} {marker}: {saved}");
        assert_eq!((messages[2]["role"].as_str(), messages[2]["content"].as_str()), (Some("user"), Some(message.as_str())));
        // The conversation goes on after the error. (Anthropic and Gemini
        // get the two user messages merged, marker included.)
        if !matches!(*provider, "anthropic" | "google") {
            user.client.post("/api/chat/send", json!({"conversation_id": id, "provider": provider, "model": model, "message": "Try again"})).expect(200);
        }
    }
    // Streamed, the error is an event after `start`, with the same code.
    for (provider, model) in PROVIDERS {
        let events = stream(&user, json!({"provider": provider, "model": model, "message": "Busy? [sim:429]"}));
        assert_eq!(names(&events), ["start", "error"], "{provider}");
        let error = &events[1].2;
        assert_eq!((error["code"].as_str(), error["retry_after"].as_u64()), (Some("provider_rate_limited"), Some(7)), "{error}");
        assert!(error["message_saved"].is_null());
    }
}

fn provider_name(id: &str) -> String {
    match id {
        "openai" => "OpenAI",
        "anthropic" => "Anthropic",
        "google" => "Gemini",
        "mistral" => "Mistral",
        _ => "Groq",
    }
    .to_owned()
}

#[test]
fn a_stream_that_breaks_keeps_the_partial_answer_marked_incomplete() {
    let user = site().new_user();
    for (provider, model, marker) in
        [("openai", "gpt-4o", "[sim:break]"), ("anthropic", "claude-haiku-4-5", "[sim:break]"), ("anthropic", "claude-haiku-4-5", "[sim:midstream-error]"), ("google", "gemini-2.5-flash", "[sim:break]")]
    {
        let events = stream(&user, json!({"provider": provider, "model": model, "message": format!("Start then stop {marker}")}));
        assert_eq!(names(&events), ["start", "token", "error"], "{provider} {marker}");
        let error = &events.last().unwrap().2;
        let expected = if marker == "[sim:break]" { "provider_stream_broken" } else { "provider_unavailable" };
        assert_eq!(error["code"], expected, "{error}");
        let partial = &error["message_saved"];
        assert_eq!(partial["status"], "incomplete", "{error}");
        assert_eq!(partial["content"].as_str().unwrap(), tokens(&events));
        assert!(!tokens(&events).is_empty());
        let id = events[0].2["conversation"]["id"].as_str().unwrap();
        let saved = conversation(&user, id);
        assert_eq!(saved["messages"][1]["status"], "incomplete");
        assert_eq!(saved["messages"][1]["error_code"], expected);
    }
}

#[test]
fn keys_resolve_user_key_then_platform_key_then_not_configured() {
    let user = site().new_user();
    // Groq has no platform key here.
    let before = site().query(&format!("SELECT COUNT(*) AS n FROM conversations WHERE user_id = '{}'", user.id))[0]["n"].as_i64().unwrap();
    let err = user.client.post("/api/chat/send", json!({"provider": "groq", "model": "llama-3.1-8b-instant", "message": "hi"})).expect_field_error(400, "provider_not_configured", "provider");
    assert!(err["message"].as_str().unwrap().contains("Groq"));
    let after = site().query(&format!("SELECT COUNT(*) AS n FROM conversations WHERE user_id = '{}'", user.id))[0]["n"].as_i64().unwrap();
    assert_eq!(before, after, "nothing is written when the provider is not configured");
    let providers = user.client.get("/api/chat/providers").expect(200);
    let groq = providers["providers"].as_array().unwrap().iter().find(|p| p["id"] == "groq").unwrap().clone();
    assert_eq!((groq["configured"].as_bool(), groq["reason"].as_str().is_some()), (Some(false), true));

    // The user's own key makes it work.
    user.client.put("/api/profile/api-keys", json!({"provider": "groq", "key": GROQ_KEY})).expect(200);
    user.client.post("/api/chat/send", json!({"provider": "groq", "model": "llama-3.1-8b-instant", "message": "hi"})).expect(200);
    let providers = user.client.get("/api/chat/providers").expect(200);
    let groq = providers["providers"].as_array().unwrap().iter().find(|p| p["id"] == "groq").unwrap().clone();
    assert_eq!((groq["configured"].as_bool(), groq["key_source"].as_str()), (Some(true), Some("user")));

    // A user's key wins over the platform key, even when it is wrong.
    user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "platform key"})).expect(200);
    user.client.put("/api/profile/api-keys", json!({"provider": "openai", "key": "sk-wrong-user-key-0000"})).expect(200);
    user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "own key"})).expect_error(502, "provider_auth");

    // Workers AI needs Cloudflare's network: it says so offline.
    let err = user.client.post("/api/chat/send", json!({"provider": "workers_ai", "model": "@cf/meta/llama-3.1-8b-instruct", "message": "hi"})).expect_error(503, "provider_unavailable");
    assert!(err["message"].as_str().unwrap().contains("offline"));
    let workers_ai = providers["providers"].as_array().unwrap().iter().find(|p| p["id"] == "workers_ai").unwrap().clone();
    assert!(workers_ai["reason"].as_str().unwrap().contains("offline"));
}

#[test]
fn bad_input_is_refused_by_field_and_nothing_is_written() {
    let user = site().new_user();
    let cases = [
        (json!({"model": "gpt-4o", "message": "x"}), 400, "missing_field", "provider"),
        (json!({"provider": "yahoo", "model": "gpt-4o", "message": "x"}), 400, "unknown_provider", "provider"),
        (json!({"provider": "openai", "model": "gpt-9", "message": "x"}), 400, "unknown_model", "model"),
        (json!({"provider": "openai", "model": "gpt-4o", "message": "  "}), 400, "empty_field", "message"),
        (json!({"provider": "openai", "model": "gpt-4o", "message": "x", "temperature": 5}), 400, "invalid_value", "temperature"),
        (json!({"provider": "openai", "model": "gpt-4o", "message": "x", "max_tokens": 0}), 400, "invalid_value", "max_tokens"),
        (json!({"provider": "openai", "model": "gpt-4o", "message": "x", "system_prompt": 3}), 400, "invalid_field_type", "system_prompt"),
        (json!({"provider": "openai", "model": "gpt-4o", "message": "x", "extra": 1}), 400, "unknown_field", "extra"),
    ];
    for (body, status, code, field) in cases {
        user.client.post("/api/chat/send", body).expect_field_error(status, code, field);
    }
    user.client.post("/api/chat/send", json!({"conversation_id": "nope", "provider": "openai", "model": "gpt-4o", "message": "x"})).expect_error(404, "not_found");
    let rows = site().query(&format!("SELECT COUNT(*) AS n FROM conversations WHERE user_id = '{}'", user.id));
    assert_eq!(rows[0]["n"], 0);
    site().client().post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "x"})).expect_error(401, "unauthorized");
    // Every route needs a signed-in user.
    for path in ["/api/chat/providers", "/api/chat/conversations", "/api/chat/presets", "/api/chat/conversation/any"] {
        site().client().get(path).expect_error(401, "unauthorized");
    }
    // The stream route is a WebSocket: a plain GET is told so, before any auth.
    user.client.get("/api/chat/conversation/any/stream").expect_error(426, "upgrade_required");
    site().client().get("/api/chat/conversation/any/stream").expect_error(426, "upgrade_required");
    // A WebSocket with a bad token is refused.
    let url = format!("{}/api/chat/conversation/any/stream?access_token=not-a-token", site().base.replace("http://", "ws://"));
    match tungstenite::connect(url) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), 401),
        other => panic!("the socket opened or failed otherwise: {:?}", other.map(|_| ())),
    }
}

#[test]
fn two_sockets_receive_the_same_tokens_and_the_answer_is_saved() {
    let user = site().new_user();
    let first = user.client.post("/api/chat/send", json!({"provider": "anthropic", "model": "claude-haiku-4-5", "message": "Open the room"})).expect(200);
    let id = first["conversation"]["id"].as_str().unwrap().to_owned();
    let mut a = connect(&user, &id);
    let mut b = connect(&user, &id);
    ws_send(&mut a, json!({"type": "send", "provider": "anthropic", "model": "claude-haiku-4-5", "message": "Fan out [sim:tokens=12]"}));
    let on_a = events_until_end(&mut a);
    let on_b = events_until_end(&mut b);
    let text = |events: &[Value]| events.iter().filter(|e| e["type"] == "token").map(|e| e["text"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(on_a.first().unwrap()["type"], "start");
    assert_eq!(on_a.last().unwrap()["type"], "done", "{:?}", on_a.last());
    assert_eq!(text(&on_a).len(), 12);
    assert_eq!(text(&on_a), text(&on_b), "both sockets get the same tokens in the same order");
    let saved = conversation(&user, &id);
    assert_eq!(saved["messages"][3]["content"].as_str().unwrap(), text(&on_a).concat());
    assert_eq!(on_b.last().unwrap()["message"]["id"], saved["messages"][3]["id"]);

    // Bad input on the socket is answered on that socket only.
    ws_send(&mut a, json!({"type": "send", "provider": "openai", "model": "gpt-4o"}));
    let err = next_event(&mut a);
    assert_eq!((err["type"].as_str(), err["code"].as_str(), err["field"].as_str()), (Some("error"), Some("missing_field"), Some("message")));
}

#[test]
fn the_answer_is_saved_when_the_client_disconnects_mid_stream() {
    let user = site().new_user();
    let first = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Start"})).expect(200);
    let id = first["conversation"]["id"].as_str().unwrap().to_owned();
    let mut socket = connect(&user, &id);
    ws_send(&mut socket, json!({"type": "send", "provider": "openai", "model": "gpt-4o", "message": "Long answer [sim:tokens=30] [sim:delay=40]"}));
    assert_eq!(next_event(&mut socket)["type"], "start");
    assert_eq!(next_event(&mut socket)["type"], "token");
    socket.close(None).unwrap();
    drop(socket);
    // Nobody listens any more; the room finishes and saves the answer.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let saved = conversation(&user, &id);
        if saved["messages"].as_array().unwrap().len() == 4 {
            assert_eq!(saved["messages"][3]["status"], "complete");
            assert_eq!(saved["messages"][3]["tokens_out"], 30);
            break;
        }
        assert!(Instant::now() < deadline, "the answer was not saved: {saved}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // SSE too: a client that hangs up early does not stop the answer.
    let mut body = json!({"conversation_id": id, "provider": "openai", "model": "gpt-4o", "message": "Again [sim:tokens=20] [sim:delay=40]", "stream": true});
    body["stream"] = json!(true);
    let response = reqwest::blocking::Client::new().post(format!("{}/api/chat/send", site().base)).bearer_auth(&user.access_token).json(&body).send().unwrap();
    let mut lines = BufReader::new(response).lines();
    while let Some(Ok(line)) = lines.next() {
        if line.starts_with("event: token") {
            break;
        }
    }
    drop(lines);
    let rows = site().query_until(&format!("SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '{id}'"), |rows| rows[0]["n"] == 6);
    assert_eq!(rows[0]["n"], 6, "the SSE answer was saved after the client left");
}

#[test]
fn a_conversation_answers_one_message_at_a_time() {
    let user = site().new_user();
    let first = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Start"})).expect(200);
    let id = first["conversation"]["id"].as_str().unwrap().to_owned();
    let mut socket = connect(&user, &id);
    ws_send(&mut socket, json!({"type": "send", "provider": "openai", "model": "gpt-4o", "message": "Slow [sim:tokens=20] [sim:delay=50]"}));
    assert_eq!(next_event(&mut socket)["type"], "start");
    user.client.post("/api/chat/send", json!({"conversation_id": id, "provider": "openai", "model": "gpt-4o", "message": "Me too"})).expect_error(409, "conversation_busy");
    assert_eq!(events_until_end(&mut socket).last().unwrap()["type"], "done");
    user.client.post("/api/chat/send", json!({"conversation_id": id, "provider": "openai", "model": "gpt-4o", "message": "Now"})).expect(200);
}

#[test]
fn another_users_conversation_is_not_found_anywhere() {
    let owner = site().new_user();
    let other = site().new_user();
    let first = owner.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Private"})).expect(200);
    let id = first["conversation"]["id"].as_str().unwrap();
    other.client.get(&format!("/api/chat/conversation/{id}")).expect_error(404, "not_found");
    let patch = other.client.send(other.client.request(reqwest::Method::PATCH, &format!("/api/chat/conversation/{id}")).json(&json!({"title": "mine"})));
    patch.expect_error(404, "not_found");
    other.client.delete(&format!("/api/chat/conversation/{id}")).expect_error(404, "not_found");
    other.client.get(&format!("/api/chat/conversation/{id}/export?format=json")).expect_error(404, "not_found");
    other.client.post("/api/chat/send", json!({"conversation_id": id, "provider": "openai", "model": "gpt-4o", "message": "hijack"})).expect_error(404, "not_found");
    let url = format!("{}/api/chat/conversation/{id}/stream?access_token={}", site().base.replace("http://", "ws://"), other.access_token);
    match tungstenite::connect(url) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), 404),
        other => panic!("another user's socket opened: {:?}", other.map(|(_, r)| r.status())),
    }
    assert_eq!(conversation(&owner, id)["messages"].as_array().unwrap().len(), 2);
    assert_eq!(conversation(&owner, id)["conversation"]["title"], "Private");
}

#[test]
fn conversations_are_listed_newest_first_renamed_and_deleted() {
    let user = site().new_user();
    let mut ids = Vec::new();
    for n in 0..3 {
        let reply = user.client.post("/api/chat/send", json!({"provider": "mistral", "model": "mistral-small-latest", "message": format!("Topic number {n}\nmore")})).expect(200);
        ids.push(reply["conversation"]["id"].as_str().unwrap().to_owned());
    }
    let page1 = user.client.get("/api/chat/conversations?per_page=2").expect(200);
    assert_eq!(page1["total"], 3);
    let listed: Vec<&str> = page1["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
    assert_eq!(page1["conversations"][0]["title"], "Topic number 2");
    assert_eq!(page1["conversations"][0]["model"], "mistral-small-latest");
    let page2 = user.client.get("/api/chat/conversations?per_page=2&page=2").expect(200);
    assert_eq!(page2["conversations"][0]["id"], ids[0].as_str());
    user.client.get("/api/chat/conversations?per_page=0").expect_field_error(400, "invalid_value", "per_page");

    let path = format!("/api/chat/conversation/{}", ids[0]);
    let patch = |body: Value| user.client.send(user.client.request(reqwest::Method::PATCH, &path).json(&body));
    let renamed = patch(json!({"title": "Renamed", "system_prompt": "You are a pirate."})).expect(200);
    assert_eq!((renamed["conversation"]["title"].as_str(), renamed["conversation"]["system_prompt"].as_str()), (Some("Renamed"), Some("You are a pirate.")));
    patch(json!({"title": " "})).expect_field_error(400, "empty_field", "title");
    patch(json!({})).expect_error(400, "nothing_to_update");
    patch(json!({"colour": "red"})).expect_field_error(400, "unknown_field", "colour");
    // The system prompt goes to the provider with the next message.
    let ahoy = webox_e2e::unique("Ahoy ");
    user.client.post("/api/chat/send", json!({"conversation_id": ids[0], "provider": "anthropic", "model": "claude-haiku-4-5", "message": ahoy})).expect(200);
    let sent = &simulator_requests("anthropic", &ahoy)[0]["body"];
    assert_eq!(sent["system"], "You are a pirate.", "{sent}");

    user.client.delete(&path).expect(204);
    user.client.get(&path).expect_error(404, "not_found");
    assert_eq!(site().query(&format!("SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '{}'", ids[0]))[0]["n"], 0);
    assert_eq!(user.client.get("/api/chat/conversations").expect(200)["total"], 2);
}

#[test]
fn a_conversation_exports_in_every_format() {
    let user = site().new_user();
    let first = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Bake bread with me", "system_prompt": "You are a baker."})).expect(200);
    let id = first["conversation"]["id"].as_str().unwrap().to_owned();
    user.client.post("/api/chat/send", json!({"conversation_id": id, "provider": "google", "model": "gemini-2.5-flash", "message": "Which flour?"})).expect(200);
    let export = |format: &str| user.client.get(&format!("/api/chat/conversation/{id}/export?format={format}"));

    let md = export("markdown");
    assert_eq!(md.status, 200);
    assert!(md.header("content-type").unwrap().starts_with("text/markdown"));
    assert!(md.header("content-disposition").unwrap().contains("webox-chat-bake-bread-with-me-") && md.header("content-disposition").unwrap().contains(".md\""));
    let text = md.text();
    assert!(text.starts_with("# Bake bread with me") && text.contains("You are a baker.") && text.contains("Which flour?") && text.contains("Assistant (gemini-2.5-flash)"), "{text}");

    let json_file = export("json");
    let parsed: Value = serde_json::from_slice(&json_file.body).unwrap();
    assert_eq!(parsed["format"], "webox.chat.v1");
    assert_eq!(parsed["conversation"]["messages"].as_array().unwrap().len(), 4);

    let txt = export("txt");
    assert!(txt.header("content-type").unwrap().starts_with("text/plain") && txt.text().contains("You:\nWhich flour?"));

    let pdf = export("pdf");
    assert_eq!(pdf.header("content-type").as_deref(), Some("application/pdf"));
    let doc = lopdf::Document::load_mem(&pdf.body).expect("a PDF that parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let content = doc.extract_text(&pages).unwrap();
    assert!(content.contains("Bake bread with me") && content.contains("Which flour?"), "{content}");

    export("docx").expect_field_error(400, "invalid_value", "format");
}

#[test]
fn presets_are_saved_listed_and_deleted() {
    let user = site().new_user();
    let created = user.client.post("/api/chat/presets", json!({"name": "Pirate", "prompt": "Talk like a pirate."})).expect(201);
    let id = created["preset"]["id"].as_str().unwrap().to_owned();
    user.client.post("/api/chat/presets", json!({"name": "Baker", "prompt": "You bake."})).expect(201);
    user.client.post("/api/chat/presets", json!({"name": "Pirate", "prompt": "again"})).expect_field_error(409, "preset_exists", "name");
    user.client.post("/api/chat/presets", json!({"name": "", "prompt": "x"})).expect_field_error(400, "empty_field", "name");
    user.client.post("/api/chat/presets", json!({"name": "x"})).expect_field_error(400, "missing_field", "prompt");
    let list = user.client.get("/api/chat/presets").expect(200);
    let names: Vec<&str> = list["presets"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Baker", "Pirate"]);
    assert!(site().new_user().client.get("/api/chat/presets").expect(200)["presets"].as_array().unwrap().is_empty());
    site().new_user().client.delete(&format!("/api/chat/presets/{id}")).expect_error(404, "not_found");
    user.client.delete(&format!("/api/chat/presets/{id}")).expect(204);
    assert_eq!(user.client.get("/api/chat/presets").expect(200)["presets"].as_array().unwrap().len(), 1);
}

#[test]
fn usage_and_cost_feed_the_profile_stats() {
    let user = site().new_user();
    let a = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "one"})).expect(200);
    let b = user.client.post("/api/chat/send", json!({"provider": "anthropic", "model": "claude-sonnet-4-5", "message": "two"})).expect(200);
    let stats = user.client.get("/api/profile/stats").expect(200)["stats"].clone();
    assert_eq!(stats["chat_messages"], 2);
    let sum = |f: &str| a["message"][f].as_i64().unwrap() + b["message"][f].as_i64().unwrap();
    assert_eq!(stats["chat_tokens_in"], sum("tokens_in"));
    assert_eq!(stats["chat_tokens_out"], sum("tokens_out"));
    assert_eq!(stats["ai_cost_micros"], sum("cost_micros"));
}

/// The room starts the next call from what it remembers, but adopts it only
/// if D1 agrees: a prompt or key changed meanwhile is never missed.
#[test]
fn the_room_never_answers_from_stale_memory() {
    let user = site().new_user();
    let first = user.client.post("/api/chat/send", json!({"provider": "openai", "model": "gpt-4o", "message": "Remember this"})).expect(200);
    let id = first["conversation"]["id"].as_str().unwrap().to_owned();
    let mut socket = connect(&user, &id);
    let send = |socket: &mut Socket, message: &str| {
        ws_send(socket, json!({"type": "send", "provider": "openai", "model": "gpt-4o", "message": message}));
        events_until_end(socket).pop().unwrap()
    };
    assert_eq!(send(&mut socket, "Warm the memory")["type"], "done");

    // The system prompt changes outside the room.
    let patch = user.client.request(reqwest::Method::PATCH, &format!("/api/chat/conversation/{id}")).json(&json!({"system_prompt": "You are a pirate."}));
    user.client.send(patch).expect(200);
    let tag = webox_e2e::unique("after-rename-");
    let done = send(&mut socket, &tag);
    assert_eq!(done["type"], "done", "{done}");
    let calls = simulator_requests("openai", &tag);
    let adopted = calls.iter().find(|c| c["body"]["messages"][0]["content"] == "You are a pirate.").expect("a call with the new prompt");
    // The saved usage is that call's: the simulator counts a token per 4 characters of input.
    let chars: usize = adopted["body"]["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap().chars().count()).sum();
    assert_eq!(done["message"]["tokens_in"].as_u64().unwrap(), chars.div_ceil(4) as u64, "{done}");

    // The user's own key replaces the platform key at once.
    user.client.put("/api/profile/api-keys", json!({"provider": "openai", "key": "sk-wrong-user-key-0000"})).expect(200);
    let error = send(&mut socket, "With my key");
    assert_eq!((error["type"].as_str(), error["code"].as_str()), (Some("error"), Some("provider_auth")), "{error}");
    assert!(error["message_saved"].is_null());
}
