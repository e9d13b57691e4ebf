//! Password hashing on the edge: PBKDF2-HMAC-SHA256 through WebCrypto, which
//! runs natively inside workerd (the pure-Rust derivation in
//! `webox_core::password` gives the same bytes and is what native tests use).

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use webox_core::password::{Password, PasswordHash, HASH_LEN, PBKDF2_ITERATIONS, SALT_LEN};
use webox_core::{random, ApiError, ApiResult};

fn subtle() -> Result<web_sys::SubtleCrypto, JsValue> {
    let crypto: web_sys::Crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))?.dyn_into()?;
    Ok(crypto.subtle())
}

async fn derive_js(password: &[u8], salt: &[u8], iterations: u32) -> Result<Vec<u8>, JsValue> {
    let subtle = subtle()?;
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key_data: Object = Uint8Array::from(password).into();
    let key = JsFuture::from(subtle.import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)?).await?;
    let params = web_sys::Pbkdf2Params::new("PBKDF2", &JsValue::from_str("SHA-256"), iterations, &Uint8Array::from(salt));
    let bits = JsFuture::from(subtle.derive_bits_with_object(&params, &key.dyn_into()?, (HASH_LEN * 8) as u32)?).await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

pub async fn derive(password: &[u8], salt: &[u8], iterations: u32) -> ApiResult<Vec<u8>> {
    derive_js(password, salt, iterations).await.map_err(|e| {
        worker::console_error!("PBKDF2 derivation failed: {e:?}");
        ApiError::internal()
    })
}

/// The stored form of a new password.
pub async fn hash(password: &Password) -> ApiResult<String> {
    let salt = random::bytes::<SALT_LEN>()?;
    let hash = derive(password.as_bytes(), &salt, PBKDF2_ITERATIONS).await?;
    Ok(PasswordHash { iterations: PBKDF2_ITERATIONS, salt: salt.to_vec(), hash }.encode())
}

/// Whether `candidate` is the password behind `stored`.
pub async fn verify(stored: &str, candidate: &str) -> ApiResult<bool> {
    let Some(parsed) = PasswordHash::parse(stored) else {
        worker::console_error!("a stored password hash has an unknown format");
        return Ok(false);
    };
    let derived = derive(candidate.as_bytes(), &parsed.salt, parsed.iterations).await?;
    Ok(parsed.matches(&derived))
}

/// Spends the same time as a real check, for accounts that do not exist, so
/// response times do not reveal which emails are registered.
pub async fn verify_nothing(candidate: &str) -> ApiResult<()> {
    derive(candidate.as_bytes(), &[0u8; SALT_LEN], PBKDF2_ITERATIONS).await.map(|_| ())
}
