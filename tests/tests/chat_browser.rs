//! The AI studio chat in a real browser: a reply streams in token by token
//! with its cost, the conversation is still there after a reload, the next
//! message goes over the conversation's WebSocket, and a provider the site
//! has no key for says why it cannot be used.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webox_e2e::browser::Browser;
use webox_e2e::site;

/// The `count`-th assistant message as `[messages so far, text length, status]`.
const REPLY: &str = "const replies = document.querySelectorAll('#chat-messages .message[data-role=assistant]'); \
                     const reply = replies[arguments[0] - 1]; \
                     return reply ? [replies.length, reply.querySelector('.message-text').textContent.length, reply.dataset.status] : [replies.length, 0, ''];";

/// Polls the `count`-th reply while it streams; returns the text lengths
/// seen meanwhile, and its final length and status.
fn follow_reply(browser: &Browser, count: usize) -> (Vec<u64>, u64, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let reply = browser.run(REPLY, json!([count]));
        let length = reply[1].as_u64().unwrap_or_default();
        let status = reply[2].as_str().unwrap_or_default().to_owned();
        if !status.is_empty() && status != "streaming" {
            return (seen, length, status);
        }
        if !status.is_empty() {
            seen.push(length);
        }
        if Instant::now() > deadline {
            let shown = browser.run("return document.querySelector('#chat-status').textContent", json!([]));
            panic!("reply {count} did not finish in 20 s; lengths seen: {seen:?}; status line: {shown}");
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn text_of(browser: &Browser, script: &str) -> String {
    browser.run(script, json!([])).as_str().unwrap_or_default().to_owned()
}

/// A JS string literal of `text`, for the conditions of `wait_until`.
fn js(text: &str) -> String {
    Value::from(text).to_string()
}

#[test]
fn a_reply_streams_in_with_its_cost_and_the_conversation_continues_over_the_websocket() {
    let user = site().new_user();
    let browser = Browser::start();
    browser.log_in(&site().base, &user);

    // The studio is in the header of a signed-in user.
    browser.find("header nav a[href='/studio/chat']").click();
    browser.wait_until("location.pathname === '/studio/chat'");
    browser.wait_ready();
    assert_eq!(text_of(&browser, "return document.querySelector('#chat-transport').textContent"), "sse", "a new chat has no socket yet");
    browser.wait_until("!document.querySelector('#chat-conversations-empty').hidden");

    // First message of a new conversation: the event stream, slowly enough to watch it grow.
    browser.select("#chat-provider", "openai");
    browser.select("#chat-model", "gpt-4o");
    let first = "Hello studio [sim:delay=120] [sim:tokens=20]";
    browser.find("#chat-input").type_text(first);
    browser.find("#chat-send").click();
    let (seen, length, status) = follow_reply(&browser, 1);
    assert_eq!(status, "complete");
    assert!(seen.iter().any(|&partial| partial > 0 && partial < length), "tokens should arrive one by one; lengths seen: {seen:?}, final {length}");
    let reply = text_of(&browser, "return document.querySelector('#chat-messages .message[data-role=assistant] .message-text').textContent");
    assert!(reply.starts_with("Simulated gpt-4o reply"), "{reply}");
    let cost = browser.find("#chat-messages .message[data-role=assistant] .message-cost").text();
    assert!(cost.contains('$') && cost.contains("tokens"), "cost line: {cost}");
    assert_eq!(text_of(&browser, "return document.querySelector('#chat-messages .message[data-role=user] .message-text').textContent"), first);
    assert_eq!(text_of(&browser, "return document.querySelector('#chat-messages .message[data-role=user]').dataset.status"), "complete");

    // The conversation got its id (in the address) and was saved with both messages.
    browser.wait_until("new URLSearchParams(location.search).has('id')");
    let id = text_of(&browser, "return new URLSearchParams(location.search).get('id')");
    let saved = user.client.get(&format!("/api/chat/conversation/{id}")).expect(200);
    let roles: Vec<&str> = saved["messages"].as_array().expect("messages").iter().map(|m| m["role"].as_str().unwrap_or_default()).collect();
    assert_eq!(roles, ["user", "assistant"]);
    assert_eq!(saved["messages"][1]["content"].as_str(), Some(reply.as_str()));

    // After a reload it is listed; opening it shows the exchange and its cost.
    browser.goto(&format!("{}/studio/chat", site().base));
    browser.wait_ready();
    let item = format!("#chat-conversations li[data-id={}]", js(&id));
    let listed = browser.find(&item).text();
    assert!(listed.contains("gpt-4o"), "list entry: {listed}");
    browser.find(&format!("{item} button")).click();
    browser.wait_until(&format!("new URLSearchParams(location.search).get('id') === {}", js(&id)));
    browser.wait_until("document.querySelectorAll('#chat-messages .message').length === 2");
    browser.wait_until("document.querySelector('#chat-messages .message[data-role=assistant]').dataset.status === 'complete'");
    browser.wait_until("document.querySelector('#chat-messages .message[data-role=assistant] .message-cost').textContent.includes('$')");
    assert_eq!(text_of(&browser, "return document.querySelector('#chat-messages .message[data-role=assistant] .message-text').textContent"), reply);

    // The open conversation has its socket: the next message goes there,
    // not to POST /api/chat/send (counted by wrapping fetch). Enter sends.
    browser.wait_until("document.querySelector('#chat-transport').textContent === 'websocket'");
    browser.run(
        "window.chatSends = 0; const plain = window.fetch; \
         window.fetch = (...args) => { if (String(args[0]).includes('/api/chat/send')) window.chatSends += 1; return plain(...args); };",
        json!([]),
    );
    browser.find("#chat-input").type_text("And again, over the socket\u{E007}");
    let (_, _, status) = follow_reply(&browser, 2);
    assert_eq!(status, "complete");
    let second = text_of(&browser, "return document.querySelectorAll('#chat-messages .message[data-role=assistant] .message-text')[1].textContent");
    assert!(second.contains("\"And again"), "{second}");
    browser.wait_until("document.querySelectorAll('#chat-messages .message[data-role=assistant] .message-cost')[1]?.textContent.includes('$')");
    assert_eq!(browser.run("return window.chatSends", json!([])), json!(0), "the second message went through the event stream");
    assert_eq!(text_of(&browser, "return document.querySelector('#chat-transport').textContent"), "websocket");
    assert_eq!(text_of(&browser, "return document.querySelector('#chat-input').value"), "", "Enter sent the message");
    let saved = user.client.get(&format!("/api/chat/conversation/{id}")).expect(200);
    assert_eq!(saved["messages"].as_array().map(Vec::len), Some(4));
}

#[test]
fn a_provider_that_is_not_configured_says_why_and_sends_nothing() {
    // Signed out, the studio sends the visitor to log in first.
    let browser = Browser::start();
    browser.goto(&format!("{}/studio/chat", site().base));
    browser.wait_until("location.pathname === '/login' && location.search.includes('studio')");

    let user = site().new_user();
    let providers = user.client.get("/api/chat/providers").expect(200);
    let workers_ai = providers["providers"].as_array().expect("providers").iter().find(|p| p["id"] == "workers_ai").cloned().expect("workers_ai is listed");
    assert_eq!(workers_ai["configured"], false, "{workers_ai}");
    let reason = workers_ai["reason"].as_str().expect("a reason why not").to_owned();

    browser.log_in(&site().base, &user);
    browser.goto(&format!("{}/studio/chat", site().base));
    browser.wait_ready();
    assert_eq!(browser.run("return document.querySelector('#chat-provider option[value=workers_ai]').disabled", json!([])), json!(true));
    assert_eq!(browser.run("return document.querySelector('#chat-provider option[value=openai]').disabled", json!([])), json!(false));

    browser.select("#chat-provider", "workers_ai");
    browser.wait_until("!document.querySelector('#chat-provider-reason').hidden");
    let shown = browser.find("#chat-provider-reason").text();
    assert!(shown.contains(&reason), "{shown:?} should contain {reason:?}");

    // Sending anyway is refused with the same reason; the message stays in the box.
    browser.find("#chat-input").type_text("Hello?");
    browser.find("#chat-send").click();
    browser.wait_until(&format!("document.querySelector('#chat-status').textContent.includes({})", js(&reason)));
    assert_eq!(text_of(&browser, "return document.querySelector('#chat-input').value"), "Hello?");
    assert_eq!(browser.run("return document.querySelectorAll('#chat-messages .message').length", json!([])), json!(0));

    // A configured provider clears it.
    browser.select("#chat-provider", "openai");
    browser.wait_until("document.querySelector('#chat-provider-reason').hidden");
}
