//! The end-to-end harness. `site()` starts the whole local site once per
//! test binary — the simulator, then `tools/site.sh` (fresh D1/KV state,
//! migrations, demo data, every Worker in one `wrangler dev` on a free port)
//! — and stops it when the binary exits. Tests talk to it with `Client`.
//!
//! A scenario is a few lines:
//! ```no_run
//! let user = webox_e2e::site().new_user();
//! user.client.get("/api/profile/me").expect(200);
//! ```

pub mod bench;
pub mod browser;
mod client;
mod process;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use client::{Client, Reply};
use serde_json::{json, Value};

pub struct Site {
    pub base: String,
    pub simulator: String,
    pub state_dir: PathBuf,
}

/// Demo accounts loaded by `webox-seed` (see README).
pub const ADMIN: (&str, &str) = ("admin@webox.local", "WeBox-admin-2026!");
pub const DEMO_USER: (&str, &str) = ("demo@webox.local", "WeBox-demo-2026!");

pub const EMAIL_API_KEY: &str = "re_e2e_test_key";
pub const STRIPE_SECRET_KEY: &str = "sk_test_e2e_key";
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_e2e_webhook_secret";
pub const STRIPE_PUBLISHABLE_KEY: &str = "pk_test_e2e_key";
pub const PAYPAL_CLIENT: (&str, &str) = ("e2e-paypal-client", "e2e-paypal-secret");
pub const PAYPAL_WEBHOOK_ID: &str = "WH-E2E-WEBHOOK";
/// The platform keys of the AI providers (the simulator accepts these).
pub const OPENAI_KEY: &str = "sk-e2e-openai-platform";
pub const ANTHROPIC_KEY: &str = "sk-ant-e2e-platform";
pub const GOOGLE_KEY: &str = "AIza-e2e-google-platform";
pub const MISTRAL_KEY: &str = "e2e-mistral-platform";
pub const STABILITY_KEY: &str = "sk-e2e-stability-platform";
pub const ELEVENLABS_KEY: &str = "sk_e2e_elevenlabs_platform";
pub const RUNWAY_KEY: &str = "key_e2e_runway_platform";
pub const LUMA_KEY: &str = "luma-e2e-platform";
pub const FAL_KEY: &str = "fal-e2e-platform";
/// Suno's "key" is a suno.com session cookie, sent to the suno-api gateway.
pub const SUNO_COOKIE: &str = "__client=e2e_suno_platform_session";
/// Udio goes through PiAPI.
pub const PIAPI_KEY: &str = "piapi_e2e_platform";
/// Groq has no platform key on the test site: users bring their own.
pub const GROQ_KEY: &str = "gsk_e2e_groq_user";

static SITE: OnceLock<Site> = OnceLock::new();

pub fn site() -> &'static Site {
    SITE.get_or_init(|| match Site::start(None, &[]) {
        Ok(site) => site,
        Err(e) => panic!("the local site did not start: {e}"),
    })
}

/// Like `site()`, with more data loaded from `extra_sql` before the
/// Workers start (benchmarks). Only the first call of either starts it.
pub fn site_with(extra_sql: &std::path::Path) -> &'static Site {
    SITE.get_or_init(|| match Site::start(Some(extra_sql), &[]) {
        Ok(site) => site,
        Err(e) => panic!("the local site did not start: {e}"),
    })
}

/// Like `site_with`, with settings that override the Workers' vars (e.g.
/// `ORDER_PAYMENT_MINUTES`).
pub fn site_with_settings(extra_sql: Option<&std::path::Path>, settings: &[(&str, &str)]) -> &'static Site {
    SITE.get_or_init(|| match Site::start(extra_sql, settings) {
        Ok(site) => site,
        Err(e) => panic!("the local site did not start: {e}"),
    })
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"))
}

/// A random hex string, for unique emails and names.
pub fn unique(prefix: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::getrandom(&mut bytes).expect("randomness");
    format!("{prefix}{}", hex::encode(bytes))
}

impl Site {
    fn start(extra_sql: Option<&std::path::Path>, settings: &[(&str, &str)]) -> Result<Site, String> {
        let root = repo_root();
        let state_dir = std::env::temp_dir().join(unique("webox-e2e-"));
        std::fs::create_dir_all(&state_dir).map_err(|e| e.to_string())?;
        if std::env::var_os("WEBOX_KEEP_STATE").is_none() {
            process::remove_at_exit(&state_dir);
        }

        let simulator_bin = target_dir().join("debug/webox-simulator");
        if !simulator_bin.exists() {
            return Err(format!("{} is missing: run `make test` (it builds it)", simulator_bin.display()));
        }
        let port = process::free_port()?;
        let sim_port = process::start_simulator(&simulator_bin, &state_dir, &format!("http://127.0.0.1:{port}"))?;
        let simulator = format!("http://127.0.0.1:{sim_port}");

        let secrets = state_dir.join("test.vars");
        let extra: String = settings.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        let base = format!(
                "JWT_SECRET_KEY=e2e-jwt-secret-that-is-long-enough-0123456789\n\
                 ENCRYPTION_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\
                 EMAIL_API_BASE={simulator}\nEMAIL_API_KEY={EMAIL_API_KEY}\n\
                 BANK_BENEFICIARY=WeBox Test SAS\nBANK_IBAN=FR7630006000011234567890189\nBANK_BIC=AGRIFRPP\n\
                 STRIPE_API_BASE={simulator}\nSTRIPE_SECRET_KEY={STRIPE_SECRET_KEY}\nSTRIPE_WEBHOOK_SECRET={STRIPE_WEBHOOK_SECRET}\n\
                 STRIPE_PUBLISHABLE_KEY={STRIPE_PUBLISHABLE_KEY}\n\
                 PAYPAL_API_BASE={simulator}\nPAYPAL_CLIENT_ID={}\nPAYPAL_CLIENT_SECRET={}\nPAYPAL_WEBHOOK_ID={PAYPAL_WEBHOOK_ID}\n\
                 OPENAI_API_BASE={simulator}/openai\nOPENAI_API_KEY={OPENAI_KEY}\n\
                 ANTHROPIC_API_BASE={simulator}/anthropic\nANTHROPIC_API_KEY={ANTHROPIC_KEY}\n\
                 GEMINI_API_BASE={simulator}/gemini\nGOOGLE_API_KEY={GOOGLE_KEY}\n\
                 MISTRAL_API_BASE={simulator}/mistral\nMISTRAL_API_KEY={MISTRAL_KEY}\n\
                 GROQ_API_BASE={simulator}/groq\n\
                 STABILITY_API_BASE={simulator}/stability\nSTABILITY_API_KEY={STABILITY_KEY}\n\
                 ELEVENLABS_API_BASE={simulator}/elevenlabs\nELEVENLABS_API_KEY={ELEVENLABS_KEY}\n\
                 RUNWAY_API_BASE={simulator}/runway\nRUNWAY_API_KEY={RUNWAY_KEY}\nLUMA_API_BASE={simulator}/luma\nLUMA_API_KEY={LUMA_KEY}\n\
                 FAL_API_BASE={simulator}/fal\nFAL_API_KEY={FAL_KEY}\nVIDEO_JOB_TIMEOUT_SECONDS=8\n\
                 SUNO_API_BASE={simulator}/suno\nSUNO_API_KEY={SUNO_COOKIE}\nUDIO_API_BASE={simulator}/piapi\nUDIO_API_KEY={PIAPI_KEY}\n",
                PAYPAL_CLIENT.0,
                PAYPAL_CLIENT.1
            );
        // A setting given replaces the default of the same name (the last
        // of two would win, and an empty one must mean "not set").
        let defaults: String = base.lines().filter(|line| !settings.iter().any(|(k, _)| line.split_once('=').is_some_and(|(name, _)| name == *k))).map(|line| format!("{line}\n")).collect();
        std::fs::write(&secrets, extra + &defaults).map_err(|e| e.to_string())?;

        process::start_site(&root, &state_dir, port, &secrets, extra_sql)?;
        let site = Site { base: format!("http://127.0.0.1:{port}"), simulator, state_dir };
        site.wait_until_ready()?;
        Ok(site)
    }

    fn wait_until_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build().map_err(|e| e.to_string())?;
        while Instant::now() < deadline {
            let ready = http.get(format!("{}/api/openapi.json", self.base)).send().is_ok_and(|r| r.status().is_success());
            if ready {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let log = std::fs::read_to_string(self.state_dir.join("site.log")).unwrap_or_default();
        Err(format!("the site did not answer within 120 s; its log:\n{log}"))
    }

    /// A client with no session, from an address of its own (so rate limits
    /// of one test do not touch another).
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Registers a fresh account and returns it signed in.
    pub fn new_user(&self) -> User {
        let client = self.client();
        let email = format!("{}@example.com", unique("user-"));
        let password = "a good long passphrase".to_owned();
        let reply = client.post("/api/auth/register", json!({"email": email, "password": password, "name": "Test User"}));
        let body = reply.expect(201);
        let access_token = body["access_token"].as_str().expect("access_token").to_owned();
        let refresh_token = body["refresh_token"].as_str().expect("refresh_token").to_owned();
        let id = body["user"]["id"].as_str().expect("user.id").to_owned();
        User { client: client.with_token(&access_token), id, email, password, access_token, refresh_token }
    }

    /// Signs in with email and password from a fresh client.
    pub fn login(&self, email: &str, password: &str) -> User {
        let client = self.client();
        let body = client.post("/api/auth/login", json!({"email": email, "password": password})).expect(200);
        let access_token = body["access_token"].as_str().expect("access_token").to_owned();
        User {
            client: client.with_token(&access_token),
            id: body["user"]["id"].as_str().expect("user.id").to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
            access_token,
            refresh_token: body["refresh_token"].as_str().expect("refresh_token").to_owned(),
        }
    }

    /// Emails the simulator received for `to`, newest first.
    pub fn emails_to(&self, to: &str) -> Vec<Value> {
        let url = format!("{}/_sim/emails?to={to}", self.simulator);
        let reply = reqwest::blocking::get(url).expect("the simulator answers");
        reply.json::<Vec<Value>>().expect("the simulator lists emails as JSON")
    }

    /// Waits (up to 10 s) until `to` has received `count` emails; returns them newest first.
    pub fn wait_for_emails(&self, to: &str, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let emails = self.emails_to(to);
            if emails.len() >= count || Instant::now() > deadline {
                assert!(emails.len() >= count, "{to} received {} emails, expected {count}", emails.len());
                return emails;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The one-time token in the newest email to `to` whose subject contains `subject`.
    pub fn token_from_email(&self, to: &str, subject: &str, count: usize) -> String {
        let emails = self.wait_for_emails(to, count);
        let email = emails.iter().find(|e| e["subject"].as_str().unwrap_or_default().contains(subject)).expect("an email with that subject");
        let text = email["text"].as_str().expect("a text body");
        let re = regex::Regex::new(r"#token=([A-Za-z0-9_-]+)").expect("regex");
        re.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str().to_owned()).expect("a token link in the email")
    }

    /// Makes the simulator fail the next `count` requests to `service` that
    /// concern `matching` (for email: a recipient) with `status`.
    pub fn inject_fault(&self, service: &str, status: u16, count: usize, matching: &str) {
        let body = json!({"service": service, "status": status, "count": count, "matching": matching});
        let reply = reqwest::blocking::Client::new().post(format!("{}/_sim/faults", self.simulator)).json(&body).send().expect("the simulator answers");
        assert_eq!(reply.status().as_u16(), 201, "fault not accepted");
    }

    /// Polls `sql` (up to 10 s) until `done` accepts its rows; returns them.
    pub fn query_until(&self, sql: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let rows = self.query(sql);
            if done(&rows) || Instant::now() > deadline {
                return rows;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Reads the local D1 of this run (for checks of what was, or was not,
    /// written); returns the rows as JSON objects.
    pub fn query(&self, sql: &str) -> Vec<Value> {
        process::d1_query(&self.state_dir, sql)
    }

    /// The keys of the objects in the local R2 bucket under `prefix`.
    pub fn r2_keys(&self, prefix: &str) -> Vec<String> {
        let quoted = prefix.replace('\'', "''");
        let rows = process::r2_query(&self.state_dir, &format!("SELECT key FROM _mf_objects WHERE substr(key, 1, {}) = '{quoted}' ORDER BY key", prefix.len()));
        rows.iter().filter_map(|r| r["key"].as_str().map(str::to_owned)).collect()
    }
}

/// A signed-in account.
pub struct User {
    pub client: Client,
    pub id: String,
    pub email: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
}
