//! A multipart call to one of Stability AI's APIs (images, Stable Audio):
//! its form fields, `Accept`, key and `X-Sim-Behaviour`.

/// The key the test simulators accept for Stability.
pub const STABILITY_KEY: &str = "sk-test-stability";

pub struct Stability {
    /// Under `/stability/v2beta/`: `stable-image/generate/core`, `audio/stable-audio-2/text-to-audio`...
    path: String,
    fields: Vec<(&'static str, String)>,
    accept: &'static str,
    key: Option<&'static str>,
    behaviour: Option<&'static str>,
}

impl Stability {
    pub fn new(path: &str, prompt: &str, accept: &'static str) -> Self {
        Stability { path: path.to_owned(), fields: vec![("prompt", prompt.into())], accept, key: Some(STABILITY_KEY), behaviour: None }
    }

    pub fn field(mut self, name: &'static str, value: &str) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    pub fn accept(mut self, accept: &'static str) -> Self {
        self.accept = accept;
        self
    }

    pub fn key(mut self, key: Option<&'static str>) -> Self {
        self.key = key;
        self
    }

    pub fn behaviour(mut self, header: &'static str) -> Self {
        self.behaviour = Some(header);
        self
    }

    pub fn form(&self) -> reqwest::multipart::Form {
        self.fields.iter().fold(reqwest::multipart::Form::new(), |form, (name, value)| form.text(*name, value.clone()))
    }

    pub async fn send_form(&self, base: &str, form: reqwest::multipart::Form) -> reqwest::Response {
        let url = format!("{base}/stability/v2beta/{}", self.path);
        let mut request = reqwest::Client::new().post(url).header("accept", self.accept).multipart(form);
        if let Some(key) = self.key {
            request = request.bearer_auth(key);
        }
        if let Some(header) = self.behaviour {
            request = request.header("X-Sim-Behaviour", header);
        }
        request.send().await.unwrap()
    }

    pub async fn send(&self, base: &str) -> reqwest::Response {
        self.send_form(base, self.form()).await
    }
}
