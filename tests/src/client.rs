//! A small blocking HTTP client for the tests: JSON in, `Reply` out, with
//! assertions that print the whole answer when they fail.

use std::time::Duration;

use reqwest::blocking::RequestBuilder;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

#[derive(Clone)]
pub struct Client {
    http: reqwest::blocking::Client,
    base: String,
    ip: String,
    token: Option<String>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON (HTTP {}): {}", self.status, self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// Asserts the status and returns the JSON body (or `null` if empty).
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "expected HTTP {status}, got {}: {}", self.status, self.text());
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts an API error: status, machine code, and the error shape.
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        let body = self.expect(status);
        assert_eq!(body["code"], code, "wrong error code: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "an error needs a message: {body}");
        assert!(body["request_id"].as_str().is_some(), "an error carries the request id: {body}");
        body
    }

    /// Like `expect_error`, and the error names `field`.
    pub fn expect_field_error(&self, status: u16, code: &str, field: &str) -> Value {
        let body = self.expect_error(status, code);
        assert_eq!(body["field"], field, "wrong field: {body}");
        body
    }
}

fn random_ip() -> String {
    let mut b = [0u8; 3];
    getrandom::getrandom(&mut b).expect("randomness");
    format!("10.{}.{}.{}", b[0], b[1], b[2].max(1))
}

impl Client {
    pub fn new(base: &str) -> Self {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self { http, base: base.to_owned(), ip: random_ip(), token: None }
    }

    /// A client that keeps cookies between requests, like a browser.
    pub fn with_cookies(&self) -> Self {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("an HTTP client");
        Self { http, ..self.clone() }
    }

    pub fn with_token(&self, token: &str) -> Self {
        Self { token: Some(token.to_owned()), ..self.clone() }
    }

    pub fn without_token(&self) -> Self {
        Self { token: None, ..self.clone() }
    }

    /// The same client seen from another address.
    pub fn from_ip(&self, ip: &str) -> Self {
        Self { ip: ip.to_owned(), ..self.clone() }
    }

    pub fn ip(&self) -> &str {
        &self.ip
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        // Cloudflare sets CF-Connecting-IP at the edge; locally the tests
        // choose it, so each test has an address of its own.
        let builder = self.http.request(method, format!("{}{path}", self.base)).header("CF-Connecting-IP", &self.ip);
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub fn send(&self, builder: RequestBuilder) -> Reply {
        let response = builder.send().expect("the site answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().expect("a readable body").to_vec();
        Reply { status, headers, body }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path))
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path))
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path).json(&body))
    }

    pub fn put(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::PUT, path).json(&body))
    }

    /// A body sent as-is, with the given content type.
    pub fn raw(&self, method: Method, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        self.send(self.request(method, path).header("Content-Type", content_type).body(body.into()))
    }
}
