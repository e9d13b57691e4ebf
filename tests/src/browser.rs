//! Headless Chromium driven through ChromeDriver's W3C WebDriver HTTP API
//! (Debian's `chromium` and `chromium-driver`), for tests of the pages.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::process;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::blocking::Client,
    session: String,
    base: String,
}

impl Browser {
    /// Starts ChromeDriver and a fresh headless Chromium profile.
    pub fn start() -> Browser {
        let port = process::free_port().expect("a free port");
        let profile: PathBuf = std::env::temp_dir().join(crate::unique("webox-chromium-"));
        process::remove_at_exit(&profile);
        process::spawn_guarded(&format!("chromedriver --port={port}"), &std::env::temp_dir(), Stdio::null(), &[])
            .expect("chromedriver starts (tools/bootstrap.sh --browser installs it)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update", "--disable-sync",
                         "--window-size=1280,900", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let created: Value = http.post(format!("{base}/session")).json(&capabilities).send().expect("new session").json().expect("JSON");
        let session = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_owned();
        Browser { http, session, base }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply: Value = request.send().expect("chromedriver answers").json().expect("JSON");
        if reply["value"]["error"].is_string() {
            panic!("webdriver {path}: {}", reply["value"]);
        }
        reply["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).as_str().unwrap_or_default().to_owned()
    }

    pub fn run(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": args})))
    }

    /// Runs `script` whose last argument is a callback; returns what it is called with.
    pub fn run_async(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/async", Some(json!({"script": script, "args": args})))
    }

    fn find_now(&self, css: &str) -> Option<String> {
        let url = format!("{}/session/{}/element", self.base, self.session);
        let reply: Value = self.http.post(url).json(&json!({"using": "css selector", "value": css})).send().ok()?.json().ok()?;
        reply["value"][ELEMENT_KEY].as_str().map(str::to_owned)
    }

    /// Waits up to 10 s for an element.
    pub fn find(&self, css: &str) -> Element<'_> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(id) = self.find_now(css) {
                return Element { browser: self, id };
            }
            assert!(Instant::now() < deadline, "no element matches {css} on {}", self.url());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Chooses `value` in a <select>, as picking it from the list does.
    pub fn select(&self, css: &str, value: &str) {
        self.find(css);
        let script = "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
                      s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true})); return s.value;";
        assert_eq!(self.run(script, json!([css, value])), json!(value), "{css} has no option {value}");
    }

    /// Waits up to 10 s for `condition` (a JS expression) to be true.
    /// Waits until the page loaded and its script cleared `main[aria-busy]`.
    pub fn wait_ready(&self) {
        self.wait_until("document.readyState === 'complete' && !document.querySelector('main').hasAttribute('aria-busy')");
    }

    /// Signs `user` in through the login page of the site at `base`.
    pub fn log_in(&self, base: &str, user: &crate::User) {
        self.goto(&format!("{base}/login"));
        self.find("#email").type_text(&user.email);
        self.find("#password").type_text(&user.password);
        self.find("#login-submit").click();
        self.wait_until("location.pathname === '/profile'");
    }

    pub fn wait_until(&self, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let script = format!("return !!({condition});");
        while self.run(&script, json!([])) != json!(true) {
            assert!(Instant::now() < deadline, "still not true after 10 s: {condition} (on {})", self.url());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.delete(format!("{}/session/{}", self.base, self.session)).send();
    }
}

pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
}

impl Element<'_> {
    fn call(&self, method: reqwest::Method, action: &str, body: Option<Value>) -> Value {
        self.browser.call(method, &format!("/element/{}{action}", self.id), body)
    }

    pub fn click(&self) {
        self.call(reqwest::Method::POST, "/click", Some(json!({})));
    }

    pub fn clear(&self) {
        self.call(reqwest::Method::POST, "/clear", Some(json!({})));
    }

    pub fn type_text(&self, text: &str) {
        self.call(reqwest::Method::POST, "/value", Some(json!({"text": text})));
    }

    pub fn text(&self) -> String {
        self.call(reqwest::Method::GET, "/text", None).as_str().unwrap_or_default().to_owned()
    }

    pub fn property(&self, name: &str) -> Value {
        self.call(reqwest::Method::GET, &format!("/property/{name}"), None)
    }
}
