//! The simulated chat providers over real HTTP: each one's wire format,
//! streaming, checks, markers and faults.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webox_simulator::{Config, Simulator};

const OPENAI_KEY: &str = "sk-test-openai";
const ANTHROPIC_KEY: &str = "sk-ant-test";
const GOOGLE_KEY: &str = "AIza-test";
const MISTRAL_KEY: &str = "mistral-test";
const GROQ_KEY: &str = "gsk_test";

async fn start() -> String {
    let config = Config {
        openai_api_key: OPENAI_KEY.into(),
        anthropic_api_key: ANTHROPIC_KEY.into(),
        google_api_key: GOOGLE_KEY.into(),
        mistral_api_key: MISTRAL_KEY.into(),
        groq_api_key: GROQ_KEY.into(),
        llm_token_delay_ms: 1,
        ..Config::from_env()
    };
    let app = Simulator::new(config).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    OpenAi,
    Anthropic,
    Google,
    Mistral,
    Groq,
}

use Provider::*;

const ALL: [Provider; 5] = [OpenAi, Anthropic, Google, Mistral, Groq];

fn default_model(provider: Provider) -> &'static str {
    match provider {
        OpenAi => "gpt-4o",
        Anthropic => "claude-sonnet-4-5",
        Google => "gemini-2.5-flash",
        Mistral => "mistral-small-latest",
        Groq => "llama-3.3-70b-versatile",
    }
}

/// One chat call as the site makes it, with the right key, path and body.
struct Chat {
    provider: Provider,
    model: String,
    message: String,
    stream: bool,
    key: Option<String>,
    extra: Value,
    header: Option<(&'static str, String)>,
}

impl Chat {
    fn new(provider: Provider, message: &str) -> Self {
        let key = match provider {
            OpenAi => OPENAI_KEY,
            Anthropic => ANTHROPIC_KEY,
            Google => GOOGLE_KEY,
            Mistral => MISTRAL_KEY,
            Groq => GROQ_KEY,
        };
        Chat { provider, model: default_model(provider).into(), message: message.into(), stream: false, key: Some(key.into()), extra: json!({}), header: None }
    }

    fn streamed(mut self) -> Self {
        self.stream = true;
        self
    }

    fn model(mut self, model: &str) -> Self {
        self.model = model.into();
        self
    }

    fn key(mut self, key: Option<&str>) -> Self {
        self.key = key.map(str::to_owned);
        self
    }

    /// Fields merged into the request body (`null` removes one).
    fn with(mut self, extra: Value) -> Self {
        self.extra = extra;
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.header = Some((name, value.into()));
        self
    }

    fn body(&self) -> Value {
        let mut body = match self.provider {
            Google => json!({"contents": [{"role": "user", "parts": [{"text": self.message}]}]}),
            Anthropic => json!({"model": self.model, "max_tokens": 1024, "messages": [{"role": "user", "content": self.message}], "stream": self.stream}),
            _ => json!({"model": self.model, "messages": [{"role": "user", "content": self.message}], "stream": self.stream}),
        };
        for (name, value) in self.extra.as_object().into_iter().flatten() {
            match value {
                Value::Null => drop(body.as_object_mut().unwrap().remove(name)),
                _ => body[name] = value.clone(),
            }
        }
        body
    }

    async fn send(&self, base: &str) -> reqwest::Response {
        let http = reqwest::Client::new();
        let mut request = match self.provider {
            OpenAi => http.post(format!("{base}/openai/v1/chat/completions")),
            Mistral => http.post(format!("{base}/mistral/v1/chat/completions")),
            Groq => http.post(format!("{base}/groq/openai/v1/chat/completions")),
            Anthropic => http.post(format!("{base}/anthropic/v1/messages")).header("anthropic-version", "2023-06-01"),
            Google => {
                let method = if self.stream { "streamGenerateContent?alt=sse" } else { "generateContent" };
                http.post(format!("{base}/gemini/v1beta/models/{}:{method}", self.model))
            }
        };
        if let Some(key) = &self.key {
            request = match self.provider {
                Anthropic => request.header("x-api-key", key),
                Google => request.header("x-goog-api-key", key),
                _ => request.bearer_auth(key),
            };
        }
        if let Some((name, value)) = &self.header {
            request = request.header(*name, value);
        }
        request.json(&self.body()).send().await.unwrap()
    }
}

/// A streamed body as it arrived.
struct Streamed {
    body: String,
    /// How many reads the body took: one per flushed chunk.
    reads: usize,
    /// The connection dropped before the end of the body.
    cut: bool,
}

async fn read_stream(mut response: reqwest::Response) -> Streamed {
    let mut streamed = Streamed { body: String::new(), reads: 0, cut: false };
    loop {
        match response.chunk().await {
            Ok(Some(bytes)) => {
                streamed.reads += 1;
                streamed.body.push_str(&String::from_utf8_lossy(&bytes));
            }
            Ok(None) => return streamed,
            Err(_) => {
                streamed.cut = true;
                return streamed;
            }
        }
    }
}

/// `(event name, data)` for each server-sent event.
fn events(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_owned();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            (name, data)
        })
        .collect()
}

fn json_events(body: &str) -> Vec<Value> {
    events(body).into_iter().filter(|(_, data)| data != "[DONE]").map(|(_, data)| serde_json::from_str(&data).unwrap()).collect()
}

/// The text deltas of a streamed answer, in each provider's shape.
fn deltas(provider: Provider, body: &str) -> Vec<String> {
    let texts = json_events(body).into_iter().filter_map(|event| match provider {
        Anthropic => (event["type"] == "content_block_delta").then(|| event["delta"]["text"].as_str().unwrap().to_owned()),
        Google => event["candidates"][0]["content"]["parts"][0]["text"].as_str().map(str::to_owned),
        _ => event["choices"][0]["delta"]["content"].as_str().filter(|t| !t.is_empty()).map(str::to_owned),
    });
    texts.collect()
}

/// The whole text of a non-streamed answer.
fn answer_text(provider: Provider, body: &Value) -> String {
    match provider {
        Anthropic => body["content"][0]["text"].as_str().unwrap().to_owned(),
        Google => body["candidates"][0]["content"]["parts"][0]["text"].as_str().unwrap().to_owned(),
        _ => body["choices"][0]["message"]["content"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn openai_streams_a_role_chunk_tokens_finish_usage_and_done() {
    let base = start().await;
    let response = Chat::new(OpenAi, "Hello there").streamed().with(json!({"stream_options": {"include_usage": true}})).send(&base).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let streamed = read_stream(response).await;
    assert!(!streamed.cut);
    let all = events(&streamed.body);
    assert_eq!(all.last().unwrap().1, "[DONE]");
    let chunks = json_events(&streamed.body);
    assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk" && c["model"] == "gpt-4o"));
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let tokens = deltas(OpenAi, &streamed.body);
    assert_eq!(tokens.len(), 12);
    assert!(tokens.concat().starts_with("Simulated gpt-4o reply: you said \"Hello there\". "), "{}", tokens.concat());
    let finishing = &chunks[chunks.len() - 2];
    assert_eq!(finishing["choices"][0]["finish_reason"], "stop");
    assert_eq!(finishing["usage"], Value::Null, "every chunk but the last has usage: null");
    let usage_chunk = chunks.last().unwrap();
    assert_eq!(usage_chunk["choices"], json!([]));
    assert_eq!(usage_chunk["usage"], json!({"prompt_tokens": 3, "completion_tokens": 12, "total_tokens": 15}), "ceil(11 chars / 4) = 3");
}

#[tokio::test]
async fn groq_and_mistral_stream_the_openai_format_with_their_own_usage() {
    let base = start().await;
    let groq = read_stream(Chat::new(Groq, "Hi").streamed().with(json!({"stream_options": {"include_usage": true}})).send(&base).await).await;
    let chunks = json_events(&groq.body);
    assert!(chunks[0]["x_groq"]["id"].is_string());
    assert_eq!(chunks[chunks.len() - 2]["x_groq"]["usage"]["completion_tokens"], 12);
    assert_eq!(chunks.last().unwrap()["usage"]["completion_tokens"], 12);
    assert_eq!(events(&groq.body).last().unwrap().1, "[DONE]");

    let mistral = read_stream(Chat::new(Mistral, "Hi").streamed().send(&base).await).await;
    let chunks = json_events(&mistral.body);
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["usage"], json!({"prompt_tokens": 1, "completion_tokens": 12, "total_tokens": 13}), "Mistral reports usage on its finishing chunk");
    assert_eq!(deltas(Mistral, &mistral.body).concat(), Chat::new(Mistral, "Hi").send(&base).await.json::<Value>().await.unwrap()["choices"][0]["message"]["content"]);

    let plain = read_stream(Chat::new(OpenAi, "Hi").streamed().send(&base).await).await;
    assert!(json_events(&plain.body).iter().all(|c| c.get("usage").is_none() && c["choices"].as_array().unwrap().len() == 1), "no usage unless asked");
}

#[tokio::test]
async fn anthropic_streams_its_named_events_in_order() {
    let base = start().await;
    let response = Chat::new(Anthropic, "Hello there").streamed().with(json!({"system": "Be brief."})).send(&base).await;
    assert_eq!(response.status(), 200);
    let streamed = read_stream(response).await;
    let all = events(&streamed.body);
    let names: Vec<&str> = all.iter().map(|(name, _)| name.as_str()).collect();
    let mut expected = vec!["message_start", "content_block_start", "ping"];
    expected.extend(std::iter::repeat_n("content_block_delta", 12));
    expected.extend(["content_block_stop", "message_delta", "message_stop"]);
    assert_eq!(names, expected);
    let data = json_events(&streamed.body);
    assert!(all.iter().zip(&data).all(|((name, _), data)| data["type"] == name.as_str()), "each event's data has its type");
    assert_eq!(data[0]["message"]["usage"]["input_tokens"], 5, "(9 + 11) / 4: the system prompt counts");
    assert_eq!(data[0]["message"]["model"], "claude-sonnet-4-5");
    assert!(data[0]["message"]["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(data[3]["delta"]["type"], "text_delta");
    let delta = &data[data.len() - 2];
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(delta["usage"]["output_tokens"], 12);
    assert!(deltas(Anthropic, &streamed.body).concat().starts_with("Simulated claude-sonnet-4-5 reply: you said \"Hello there\"."));
}

#[tokio::test]
async fn gemini_streams_sse_chunks_with_usage_and_finish_on_the_last() {
    let base = start().await;
    let response = Chat::new(Google, "Hello there").streamed().send(&base).await;
    assert_eq!(response.status(), 200);
    let streamed = read_stream(response).await;
    let chunks = json_events(&streamed.body);
    assert_eq!(chunks.len(), 12);
    for chunk in &chunks {
        assert_eq!(chunk["candidates"][0]["content"]["role"], "model");
        assert_eq!(chunk["candidates"][0]["index"], 0);
        assert_eq!(chunk["modelVersion"], "gemini-2.5-flash");
        assert_eq!(chunk["responseId"], chunks[0]["responseId"]);
    }
    assert!(chunks[..11].iter().all(|c| c["candidates"][0].get("finishReason").is_none()));
    let last = chunks.last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert_eq!(last["usageMetadata"], json!({"promptTokenCount": 3, "candidatesTokenCount": 12, "totalTokenCount": 15}));
    assert!(deltas(Google, &streamed.body).concat().starts_with("Simulated gemini-2.5-flash reply: you said \"Hello there\"."));
}

#[tokio::test]
async fn gemini_streams_a_json_array_without_alt_sse_and_takes_the_key_in_the_query() {
    let base = start().await;
    let http = reqwest::Client::new();
    let body = json!({"contents": [{"parts": [{"text": "Hi"}]}], "generationConfig": {"maxOutputTokens": 5}});
    let r = http.post(format!("{base}/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?key={GOOGLE_KEY}")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let array: Vec<Value> = r.json().await.unwrap();
    assert_eq!(array.len(), 5);
    assert_eq!(array[4]["candidates"][0]["finishReason"], "MAX_TOKENS");
    let r = http.post(format!("{base}/gemini/v1beta/models/gemini-2.5-pro:generateContent?key={GOOGLE_KEY}")).json(&body).send().await.unwrap();
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer_text(Google, &answer), "Simulated gemini-2.5-pro reply: you said");
    assert_eq!(answer["usageMetadata"]["candidatesTokenCount"], 5);
}

#[tokio::test]
async fn non_streamed_answers_carry_the_whole_text_and_usage() {
    let base = start().await;
    for provider in ALL {
        let r = Chat::new(provider, "Hi").send(&base).await;
        assert_eq!(r.status(), 200, "{provider:?}");
        let body: Value = r.json().await.unwrap();
        let text = answer_text(provider, &body);
        assert!(text.starts_with(&format!("Simulated {} reply: you said \"Hi\".", default_model(provider))), "{provider:?}: {text}");
        assert_eq!(text.split(' ').count(), 12);
        let (prompt, completion) = match provider {
            Anthropic => (&body["usage"]["input_tokens"], &body["usage"]["output_tokens"]),
            Google => (&body["usageMetadata"]["promptTokenCount"], &body["usageMetadata"]["candidatesTokenCount"]),
            _ => (&body["usage"]["prompt_tokens"], &body["usage"]["completion_tokens"]),
        };
        assert_eq!((prompt, completion), (&json!(1), &json!(12)), "{provider:?}");
    }
}

#[tokio::test]
async fn anthropic_checks_version_max_tokens_and_roles() {
    let base = start().await;
    let error = |body: Value| body["error"]["message"].as_str().unwrap().to_owned();

    let r = Chat::new(Anthropic, "Hi").with(json!({"max_tokens": null})).send(&base).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(error(body), "max_tokens: Field required");

    let conversations = [
        json!([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]),
        json!([{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Hi"}]),
        json!([{"role": "user", "content": "Hi"}, {"role": "user", "content": "Again"}]),
        json!([]),
    ];
    for messages in conversations {
        let r = Chat::new(Anthropic, "Hi").with(json!({"messages": messages})).send(&base).await;
        assert_eq!(r.status(), 400, "{messages}");
        assert!(error(r.json().await.unwrap()).starts_with("messages"));
    }

    let r = reqwest::Client::new().post(format!("{base}/anthropic/v1/messages")).header("x-api-key", ANTHROPIC_KEY).json(&Chat::new(Anthropic, "Hi").body()).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().contains_key("request-id"));
    assert_eq!(error(r.json().await.unwrap()), "anthropic-version: header is required");

    let ok = json!([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": [{"type": "text", "text": "Again"}]}]);
    let r = Chat::new(Anthropic, "Hi").with(json!({"messages": ok})).send(&base).await;
    assert_eq!(r.status(), 200);
    assert!(answer_text(Anthropic, &r.json().await.unwrap()).contains("you said \"Again\""));
}

#[tokio::test]
async fn wrong_and_missing_keys_are_refused_as_each_provider_does() {
    let base = start().await;
    for provider in ALL {
        let r = Chat::new(provider, "Hi").key(Some("not-the-key")).send(&base).await;
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        match provider {
            OpenAi | Groq => {
                assert_eq!(status, 401);
                assert_eq!(body["error"]["code"], "invalid_api_key", "{provider:?}");
            }
            Mistral => {
                assert_eq!(status, 401);
                assert_eq!(body["message"], "Unauthorized");
            }
            Anthropic => {
                assert_eq!(status, 401);
                assert_eq!(body["error"]["type"], "authentication_error");
            }
            Google => {
                assert_eq!(status, 400);
                assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
                assert_eq!(body["error"]["message"], "API key not valid. Please pass a valid API key.");
                assert_eq!(body["error"]["details"][0]["reason"], "API_KEY_INVALID");
            }
        }
        let r = Chat::new(provider, "Hi").key(None).send(&base).await;
        let expected = if provider == Google { 403 } else { 401 };
        assert_eq!(r.status(), expected, "{provider:?} without a key");
    }
    let r = Chat::new(Google, "Hi").key(None).send(&base).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["status"], "PERMISSION_DENIED");
}

#[tokio::test]
async fn unknown_models_and_missing_fields_are_refused() {
    let base = start().await;
    for provider in ALL {
        let r = Chat::new(provider, "Hi").model("no-such-model").send(&base).await;
        assert_eq!(r.status(), 404, "{provider:?}");
        let body: Value = r.json().await.unwrap();
        match provider {
            OpenAi | Groq => assert_eq!(body["error"]["code"], "model_not_found"),
            Anthropic => assert_eq!(body["error"]["type"], "not_found_error"),
            Google => assert_eq!(body["error"]["status"], "NOT_FOUND"),
            Mistral => assert_eq!(body["object"], "error"),
        }
    }
    for provider in [OpenAi, Mistral, Groq] {
        for missing in [json!({"messages": []}), json!({"messages": null}), json!({"model": null})] {
            let r = Chat::new(provider, "Hi").with(missing.clone()).send(&base).await;
            assert_eq!(r.status(), 400, "{provider:?} {missing}");
        }
    }
    let r = Chat::new(Google, "Hi").with(json!({"contents": []})).send(&base).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["status"], "INVALID_ARGUMENT");
    let r = Chat::new(Google, "Hi").with(json!({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]})).send(&base).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn rate_limit_marker_answers_429_with_retry_after() {
    let base = start().await;
    for provider in ALL {
        for stream in [false, true] {
            let chat = Chat::new(provider, "Hi [sim:429]");
            let r = if stream { chat.streamed() } else { chat }.send(&base).await;
            assert_eq!(r.status(), 429, "{provider:?}");
            assert_eq!(r.headers()["retry-after"], "7", "{provider:?}");
            let body: Value = r.json().await.unwrap();
            match provider {
                OpenAi | Groq => assert_eq!(body["error"]["code"], "rate_limit_exceeded"),
                Anthropic => assert_eq!(body["error"]["type"], "rate_limit_error"),
                Google => assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED"),
                Mistral => assert_eq!(body["object"], "error"),
            }
        }
    }
}

#[tokio::test]
async fn other_failure_markers_answer_the_providers_errors() {
    let base = start().await;
    for provider in ALL {
        let r = Chat::new(provider, "[sim:401] Hi").send(&base).await;
        assert_eq!(r.status(), 401, "{provider:?}");
        let r = Chat::new(provider, "[sim:500] Hi").streamed().send(&base).await;
        assert_eq!(r.status(), 500, "{provider:?}");
        let r = Chat::new(provider, "[sim:overloaded] Hi").send(&base).await;
        let expected = if provider == Anthropic { 529 } else { 503 };
        assert_eq!(r.status(), expected, "{provider:?}");
        if provider == Anthropic {
            assert_eq!(r.json::<Value>().await.unwrap()["error"]["type"], "overloaded_error");
        }
    }
    let r = Chat::new(Google, "[sim:401] Hi").send(&base).await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["details"][0]["reason"], "API_KEY_INVALID");
}

#[tokio::test]
async fn break_marker_cuts_the_stream_after_three_tokens() {
    let base = start().await;
    for provider in ALL {
        let r = Chat::new(provider, "Hi [sim:break]").streamed().send(&base).await;
        assert_eq!(r.status(), 200, "{provider:?}");
        let streamed = read_stream(r).await;
        assert!(streamed.cut, "{provider:?}: the connection drops instead of ending the body");
        assert_eq!(deltas(provider, &streamed.body).len(), 3, "{provider:?}");
        assert!(!streamed.body.contains("[DONE]") && !streamed.body.contains("message_stop") && !streamed.body.contains("finishReason"), "{provider:?}: {}", streamed.body);

        let r = Chat::new(provider, "Hi [sim:break]").send(&base).await;
        assert_eq!(r.status(), 500, "{provider:?} without streaming");
    }
}

#[tokio::test]
async fn midstream_error_marker_sends_anthropics_error_event() {
    let base = start().await;
    let streamed = read_stream(Chat::new(Anthropic, "Hi [sim:midstream-error]").streamed().send(&base).await).await;
    assert!(!streamed.cut);
    let all = events(&streamed.body);
    assert_eq!(deltas(Anthropic, &streamed.body).len(), 3);
    let (name, data) = all.last().unwrap();
    assert_eq!(name, "error");
    assert_eq!(serde_json::from_str::<Value>(data).unwrap(), json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}));
    assert!(!streamed.body.contains("message_stop"));
}

#[tokio::test]
async fn refuse_marker_gives_each_providers_refusal() {
    let base = start().await;
    let openai = read_stream(Chat::new(OpenAi, "[sim:refuse] Hi").streamed().send(&base).await).await;
    assert!(deltas(OpenAi, &openai.body).is_empty());
    assert_eq!(json_events(&openai.body).last().unwrap()["choices"][0]["finish_reason"], "content_filter");
    let body: Value = Chat::new(OpenAi, "[sim:refuse] Hi").send(&base).await.json().await.unwrap();
    assert_eq!(body["choices"][0]["finish_reason"], "content_filter");
    assert_eq!(body["choices"][0]["message"]["content"], Value::Null);

    let anthropic = read_stream(Chat::new(Anthropic, "[sim:refuse] Hi").streamed().send(&base).await).await;
    assert!(deltas(Anthropic, &anthropic.body).is_empty());
    let delta = json_events(&anthropic.body).into_iter().find(|e| e["type"] == "message_delta").unwrap();
    assert_eq!(delta["delta"]["stop_reason"], "refusal");
    assert_eq!(events(&anthropic.body).last().unwrap().0, "message_stop");

    let gemini = read_stream(Chat::new(Google, "[sim:refuse] Hi").streamed().send(&base).await).await;
    let chunks = json_events(&gemini.body);
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0]["candidates"][0]["finishReason"], "SAFETY");
    assert!(chunks[0]["candidates"][0].get("content").is_none());
}

#[tokio::test]
async fn tokens_marker_and_header_choose_the_answer_length() {
    let base = start().await;
    for provider in ALL {
        let streamed = read_stream(Chat::new(provider, "Hi [sim:tokens=40]").streamed().send(&base).await).await;
        let tokens = deltas(provider, &streamed.body);
        assert_eq!(tokens.len(), 40, "{provider:?}");
        assert!(tokens[..39].iter().all(|t| t.ends_with(' ')) && !tokens[39].ends_with(' '), "a word and its space each");
        assert!(!tokens.concat().contains("[sim:"), "markers are not quoted back");
    }
    let streamed = read_stream(Chat::new(OpenAi, "Hi").streamed().header("X-Sim-Behaviour", "tokens=5").send(&base).await).await;
    assert_eq!(deltas(OpenAi, &streamed.body).len(), 5);
    let body: Value = Chat::new(OpenAi, "Hi [sim:tokens=40]").with(json!({"max_tokens": 10})).send(&base).await.json().await.unwrap();
    assert_eq!(body["choices"][0]["finish_reason"], "length");
    assert_eq!(body["usage"]["completion_tokens"], 10);
    let body: Value = Chat::new(Anthropic, "Hi [sim:tokens=40]").with(json!({"max_tokens": 10})).send(&base).await.json().await.unwrap();
    assert_eq!(body["stop_reason"], "max_tokens");
}

#[tokio::test]
async fn tokens_arrive_one_chunk_at_a_time_with_the_delay_between() {
    let base = start().await;
    let started = Instant::now();
    let mut response = Chat::new(OpenAi, "Hi [sim:tokens=6] [sim:delay=40] [sim:first=150]").streamed().send(&base).await;
    let first = response.chunk().await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150), "[sim:first] holds the first chunk");
    let rest = read_stream(response).await;
    assert!(started.elapsed() >= Duration::from_millis(150 + 6 * 40));
    assert!(rest.reads >= 6, "each token is flushed on its own ({} reads)", rest.reads);
    assert_eq!(deltas(OpenAi, &format!("{}{}", String::from_utf8_lossy(&first), rest.body)).len(), 6);
}

#[tokio::test]
async fn faults_match_the_model_and_answer_with_the_providers_body() {
    let base = start().await;
    let http = reqwest::Client::new();
    let fault = json!({"service": "anthropic", "status": 429, "matching": "claude-haiku-4-5"});
    assert_eq!(http.post(format!("{base}/_sim/faults")).json(&fault).send().await.unwrap().status(), 201);
    assert_eq!(Chat::new(Anthropic, "Hi").send(&base).await.status(), 200, "another model is not hit");
    let r = Chat::new(Anthropic, "Hi").model("claude-haiku-4-5").send(&base).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["type"], "rate_limit_error");
    assert_eq!(Chat::new(Anthropic, "Hi").model("claude-haiku-4-5").send(&base).await.status(), 200, "a fault is used once");

    let fault = json!({"service": "google", "status": 503, "retry_after": 2});
    http.post(format!("{base}/_sim/faults")).json(&fault).send().await.unwrap();
    let r = Chat::new(Google, "Hi").streamed().send(&base).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["status"], "UNAVAILABLE");

    let fault = json!({"service": "groq", "status": 429, "retry_after": 2});
    http.post(format!("{base}/_sim/faults")).json(&fault).send().await.unwrap();
    let r = Chat::new(Groq, "Hi").send(&base).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
}

#[tokio::test]
async fn calls_are_listed_and_cleared() {
    let base = start().await;
    let http = reqwest::Client::new();
    read_stream(Chat::new(Google, "Hi").streamed().send(&base).await).await;
    Chat::new(OpenAi, "Hi").key(Some("wrong")).send(&base).await;
    let listed: Value = http.get(format!("{base}/_sim/llm")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        listed["requests"],
        json!([
            {"provider": "google", "path": "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent", "model": "gemini-2.5-flash", "stream": true, "status": 200,
             "body": {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}},
            {"provider": "openai", "path": "/openai/v1/chat/completions", "model": null, "stream": false, "status": 401,
             "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "stream": false}},
        ])
    );
    assert_eq!(http.delete(format!("{base}/_sim/llm")).send().await.unwrap().status(), 204);
    let listed: Value = http.get(format!("{base}/_sim/llm")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["requests"], json!([]));
}
