//! Cart documents in KV (`CARTS`): `cart:user:<id>` for signed-in visitors,
//! `cart:anon:<id>` for anonymous ones (the id in the HttpOnly `webox_cart`
//! cookie). Each write renews the expiry. Read by marketplace (the cart
//! routes) and, later, by checkout.

use worker::{Env, KvStore};

use webox_core::cart::Cart;
use webox_core::ApiResult;

use crate::respond::OrInternal;

pub const ANONYMOUS_DAYS: u64 = 30;
pub const ACCOUNT_DAYS: u64 = 90;
pub const COOKIE: &str = "webox_cart";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(String),
    Anonymous(String),
}

impl Owner {
    fn key(&self) -> String {
        match self {
            Owner::User(id) => format!("cart:user:{id}"),
            Owner::Anonymous(id) => format!("cart:anon:{id}"),
        }
    }

    fn ttl_seconds(&self) -> u64 {
        match self {
            Owner::User(_) => ACCOUNT_DAYS * 86_400,
            Owner::Anonymous(_) => ANONYMOUS_DAYS * 86_400,
        }
    }
}

fn kv(env: &Env) -> ApiResult<KvStore> {
    env.kv("CARTS").or_internal("the CARTS binding")
}

pub async fn load(env: &Env, owner: &Owner) -> ApiResult<Cart> {
    let cart: Option<Cart> = kv(env)?.get(&owner.key()).json().await.or_internal("reading a cart")?;
    Ok(cart.unwrap_or_default())
}

pub async fn save(env: &Env, owner: &Owner, cart: &Cart) -> ApiResult<()> {
    if cart.items.is_empty() && cart.promo_code.is_none() {
        return delete(env, owner).await;
    }
    kv(env)?
        .put(&owner.key(), cart)
        .or_internal("encoding a cart")?
        .expiration_ttl(owner.ttl_seconds())
        .execute()
        .await
        .or_internal("writing a cart")
}

pub async fn delete(env: &Env, owner: &Owner) -> ApiResult<()> {
    kv(env)?.delete(&owner.key()).await.or_internal("deleting a cart")
}

/// An anonymous cart id from a cookie header, if well-formed.
pub fn anonymous_id(cookie_header: Option<&str>) -> Option<String> {
    cookie_header?.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        let ok = name == COOKIE && value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| value.to_owned())
    })
}
