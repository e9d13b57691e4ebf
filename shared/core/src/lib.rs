//! WeBox domain logic. Pure Rust: nothing here depends on the Workers
//! runtime, so `cargo test -p webox-core` runs it natively. Time is always
//! passed in (`now`, unix seconds), never read.

pub mod access_token;
pub mod api_keys;
pub mod artwork;
pub mod calendar;
pub mod cart;
pub mod catalog;
pub mod chat;
pub mod email;
pub mod error;
pub mod invoice;
pub mod json;
pub mod mail;
pub mod media;
pub mod money;
pub mod order;
pub mod paging;
pub mod password;
pub mod preferences;
pub mod paypal;
pub mod pdf;
pub mod promo;
pub mod provider_failure;
pub mod random;
pub mod rf_reference;
pub mod role;
pub mod routing;
pub mod session;
pub mod stripe;
pub mod throttle;

pub use error::{ApiError, ApiResult};
