//! The thin layer between `webox-core` and the Workers runtime. Everything
//! here touches `worker`; everything that can be pure lives in `webox-core`.
//!
//! - `router`: route tables, dispatch, the request context `Ctx`.
//! - `respond`: the one place errors become HTTP responses.
//! - `guard`: the access-token guard every family uses.
//! - `config`: settings and secrets from the Worker's Env.
//! - `db`, `sessions`, `accounts`, `limits`, `links`, `passwords`, `mailer`: storage
//!   and outbound calls shared by several families.

pub mod accounts;
pub mod carts;
pub mod catalogue;
pub mod config;
pub mod db;
pub mod guard;
pub mod invoices;
pub mod limits;
pub mod links;
pub mod llm;
pub mod mailer;
pub mod media_api;
pub mod orders;
pub mod outbound;
pub mod passwords;
pub mod paypal_api;
pub mod promos;
pub mod provider_keys;
pub mod respond;
pub mod router;
pub mod refunds;
pub mod sessions;
pub mod stripe_api;
pub mod usage;

pub use router::{Ctx, Route};
pub use webox_core::{ApiError, ApiResult};

/// Current unix time in seconds, from the runtime's clock.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}
