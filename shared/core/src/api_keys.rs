//! Users' own provider API keys. Stored AES-256-GCM encrypted: a fresh
//! 96-bit nonce per key, the key id recorded so the encryption key can be
//! rotated, and `<user id>:<provider>` as associated data so a ciphertext
//! copied onto another user or provider fails to decrypt. Only a masked form
//! ever leaves the server.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::random;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Openai,
    Anthropic,
    Google,
    Mistral,
    Groq,
    Stability,
    Elevenlabs,
    Runway,
    Luma,
    Pika,
    Suno,
    Udio,
}

impl Provider {
    pub const ALL: [Provider; 12] = [
        Provider::Openai,
        Provider::Anthropic,
        Provider::Google,
        Provider::Mistral,
        Provider::Groq,
        Provider::Stability,
        Provider::Elevenlabs,
        Provider::Runway,
        Provider::Luma,
        Provider::Pika,
        Provider::Suno,
        Provider::Udio,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Google => "google",
            Provider::Mistral => "mistral",
            Provider::Groq => "groq",
            Provider::Stability => "stability",
            Provider::Elevenlabs => "elevenlabs",
            Provider::Runway => "runway",
            Provider::Luma => "luma",
            Provider::Pika => "pika",
            Provider::Suno => "suno",
            Provider::Udio => "udio",
        }
    }

    pub fn parse(raw: &str, field: &str) -> ApiResult<Self> {
        let wanted = raw.trim().to_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|p| p.as_str()).collect();
            ApiError::invalid("unknown_provider", field, format!("`{field}` must be one of: {}", names.join(", ")))
        })
    }
}

/// A provider key as the user typed it (trimmed, shape-checked).
pub struct ProviderKey(String);

impl ProviderKey {
    /// A key for `provider`. API keys are 8–512 printable characters
    /// without spaces; a Suno "key" is the suno.com session cookie the
    /// suno-api gateway expects (`__client=...; ...`: spaces allowed,
    /// up to 8 KiB).
    pub fn parse(provider: Provider, raw: &str, field: &str) -> ApiResult<Self> {
        let key = raw.trim();
        if provider == Provider::Suno {
            if !key.contains("__client=") || key.len() > 8_192 || !key.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
                return Err(ApiError::invalid(
                    "invalid_api_key",
                    field,
                    format!("`{field}` for Suno must be your suno.com session cookie (the `Cookie` header, containing `__client=`), at most 8192 characters"),
                ));
            }
            return Ok(Self(key.to_owned()));
        }
        if key.len() < 8 || key.len() > 512 {
            return Err(ApiError::invalid("invalid_api_key", field, format!("`{field}` must be 8 to 512 characters")));
        }
        if !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ApiError::invalid("invalid_api_key", field, format!("`{field}` may only contain printable ASCII without spaces")));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sk-…wxyz`: a short prefix when the key has a recognisable one, and
    /// the last four characters. Never more than that.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

impl std::fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProviderKey({})", self.masked())
    }
}

pub fn mask(key: &str) -> String {
    let last4: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let prefix = key.split_once(['-', '_']).map(|(p, _)| p).filter(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_alphanumeric()) && key.len() >= 16);
    match prefix {
        Some(p) => format!("{p}-…{last4}"),
        None => format!("…{last4}"),
    }
}

/// The encryption keys: the current one (used to encrypt) plus older ones
/// still accepted for decryption, each with an id.
pub struct KeyRing {
    current_id: String,
    keys: Vec<(String, Aes256Gcm)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedKey {
    pub key_id: String,
    pub nonce: String,
    pub ciphertext: String,
}

impl KeyRing {
    /// `current` is base64 of 32 bytes (`ENCRYPTION_KEY`); `older` is a
    /// comma-separated list of `id:base64` (`ENCRYPTION_KEYS_PREVIOUS`).
    pub fn new(current_id: &str, current: &str, older: &str) -> Result<Self, String> {
        let parse = |id: &str, b64: &str| -> Result<(String, Aes256Gcm), String> {
            let bytes = STANDARD.decode(b64.trim()).map_err(|_| format!("encryption key `{id}` is not base64"))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| format!("encryption key `{id}` must be 32 bytes"))?;
            Ok((id.to_owned(), cipher))
        };
        if current_id.is_empty() {
            return Err("the encryption key id is empty".into());
        }
        let mut keys = vec![parse(current_id, current)?];
        for entry in older.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, b64) = entry.split_once(':').ok_or("previous encryption keys must be `id:base64`")?;
            keys.push(parse(id, b64)?);
        }
        Ok(Self { current_id: current_id.to_owned(), keys })
    }

    pub fn seal(&self, user_id: &str, provider: Provider, key: &ProviderKey) -> ApiResult<SealedKey> {
        let nonce = random::bytes::<12>()?;
        let (_, cipher) = &self.keys[0];
        let aad = associated_data(user_id, provider);
        let ciphertext = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: key.expose().as_bytes(), aad: aad.as_bytes() })
            .map_err(|_| ApiError::internal())?;
        Ok(SealedKey { key_id: self.current_id.clone(), nonce: STANDARD.encode(nonce), ciphertext: STANDARD.encode(ciphertext) })
    }

    /// Decrypts in memory only; `None` if the key id is unknown or the
    /// ciphertext was tampered with or moved to another user/provider.
    pub fn open(&self, user_id: &str, provider: Provider, sealed: &SealedKey) -> Option<ProviderKey> {
        let (_, cipher) = self.keys.iter().find(|(id, _)| *id == sealed.key_id)?;
        let nonce = STANDARD.decode(&sealed.nonce).ok().filter(|n| n.len() == 12)?;
        let ciphertext = STANDARD.decode(&sealed.ciphertext).ok()?;
        let aad = associated_data(user_id, provider);
        let plain = cipher.decrypt(Nonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: aad.as_bytes() }).ok()?;
        String::from_utf8(plain).ok().map(ProviderKey)
    }
}

fn associated_data(user_id: &str, provider: Provider) -> String {
    format!("{user_id}:{}", provider.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "HxwdHhscGxoZGBcWFRQTEhEQDw4NDAsKCQgHBgUEAwI=";

    #[test]
    fn sealed_keys_open_only_for_their_user_and_provider() {
        let ring = KeyRing::new("k1", K1, "").unwrap();
        let key = ProviderKey::parse(Provider::Openai, "sk-proj-abcdefghijklmnop1234", "key").unwrap();
        let sealed = ring.seal("user-a", Provider::Openai, &key).unwrap();
        assert!(!sealed.ciphertext.contains("abcdef"));
        assert_eq!(ring.open("user-a", Provider::Openai, &sealed).unwrap().expose(), key.expose());
        assert!(ring.open("user-b", Provider::Openai, &sealed).is_none());
        assert!(ring.open("user-a", Provider::Anthropic, &sealed).is_none());
        let mut tampered = sealed.clone();
        tampered.ciphertext = STANDARD.encode([0u8; 40]);
        assert!(ring.open("user-a", Provider::Openai, &tampered).is_none());
    }

    #[test]
    fn nonces_are_never_reused() {
        let ring = KeyRing::new("k1", K1, "").unwrap();
        let key = ProviderKey::parse(Provider::Openai, "same-key-value-123", "key").unwrap();
        let a = ring.seal("u", Provider::Groq, &key).unwrap();
        let b = ring.seal("u", Provider::Groq, &key).unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn rotated_keys_still_open_old_ciphertexts() {
        let old = KeyRing::new("k1", K1, "").unwrap();
        let key = ProviderKey::parse(Provider::Openai, "gsk_0123456789abcdef", "key").unwrap();
        let sealed = old.seal("u", Provider::Groq, &key).unwrap();
        let rotated = KeyRing::new("k2", K2, &format!("k1:{K1}")).unwrap();
        assert_eq!(rotated.open("u", Provider::Groq, &sealed).unwrap().expose(), key.expose());
        assert_eq!(rotated.seal("u", Provider::Groq, &key).unwrap().key_id, "k2");
        assert!(KeyRing::new("k2", K2, "").unwrap().open("u", Provider::Groq, &sealed).is_none());
    }

    #[test]
    fn bad_encryption_keys_are_reported() {
        assert!(KeyRing::new("k1", "not base64!", "").is_err());
        assert!(KeyRing::new("k1", "AAAA", "").is_err());
        assert!(KeyRing::new("", K1, "").is_err());
        assert!(KeyRing::new("k1", K1, "nocolon").is_err());
    }

    #[test]
    fn masks_show_prefix_and_last_four_only() {
        assert_eq!(mask("sk-proj-abcdefghijklmnop1234"), "sk-…1234");
        assert_eq!(mask("AIzaSyExampleExample9876"), "…9876");
        assert_eq!(mask("gsk_0123456789abcdefWXYZ"), "gsk-…WXYZ");
        assert_eq!(mask("short123"), "…t123");
        // A cookie starts with `_`: no empty prefix.
        assert_eq!(mask("__client=abc.def; __client_uat=1700000000"), "…0000");
    }

    #[test]
    fn provider_keys_are_shape_checked() {
        assert_eq!(ProviderKey::parse(Provider::Openai, "short", "key").unwrap_err().code, "invalid_api_key");
        assert_eq!(ProviderKey::parse(Provider::Openai, "has a space in it", "key").unwrap_err().code, "invalid_api_key");
        assert!(ProviderKey::parse(Provider::Openai, "  sk-valid-key-123  ", "key").is_ok());
        let cookie = "__client=eyJhbGciOi.abc.def; __client_uat=1700000000; _cfuvid=x";
        assert_eq!(ProviderKey::parse(Provider::Suno, cookie, "key").unwrap().expose(), cookie);
        assert_eq!(ProviderKey::parse(Provider::Suno, "sk-not-a-cookie-123", "key").unwrap_err().code, "invalid_api_key");
        assert_eq!(Provider::parse("OpenAI", "provider").unwrap(), Provider::Openai);
        let e = Provider::parse("acme", "provider").unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), ("unknown_provider", Some("provider")));
        assert!(e.message.contains("elevenlabs"));
    }
}
