//! `/api/cart/*`: the cart of the visitor, signed in or not. Anonymous
//! carts are keyed by the HttpOnly `webox_cart` cookie; the first signed-in
//! request that still carries that cookie (the one after login) folds the
//! anonymous cart into the account's and drops the cookie. Every answer is
//! the cart priced afresh from D1.

use worker::Response;

use webox_core::cart::{self, Cart};
use webox_core::promo;
use webox_core::{random, ApiError, ApiResult};
use webox_edge::carts::{self, Owner, ANONYMOUS_DAYS, COOKIE};
use webox_edge::guard::{self, AuthUser};
use webox_edge::respond;
use webox_edge::{catalogue, promos, Ctx};


struct Visitor {
    owner: Owner,
    user: Option<AuthUser>,
    /// A `Set-Cookie` value to send: a new anonymous id, or its removal.
    cookie: Option<String>,
}

fn secure(cx: &Ctx) -> &'static str {
    match cx.req.url() {
        Ok(url) if url.scheme() == "https" => "; Secure",
        _ => "",
    }
}

async fn visitor(cx: &Ctx) -> ApiResult<Visitor> {
    let user = guard::optional(cx).await?;
    let anonymous = carts::anonymous_id(cx.header("Cookie").as_deref());
    match (user, anonymous) {
        (Some(user), Some(anonymous_id)) => {
            let owner = Owner::User(user.user_id.clone());
            let from = Owner::Anonymous(anonymous_id);
            let guest_cart = carts::load(&cx.env, &from).await?;
            if !guest_cart.items.is_empty() || guest_cart.promo_code.is_some() {
                let mut cart = carts::load(&cx.env, &owner).await?;
                let ids: Vec<&str> = cart.items.iter().chain(&guest_cart.items).map(|i| i.product_id.as_str()).collect();
                let catalogue = catalogue::priced(&cx.db()?, &ids).await?;
                cart.merge(&guest_cart, &catalogue, cx.now);
                carts::save(&cx.env, &owner, &cart).await?;
            }
            carts::delete(&cx.env, &from).await?;
            let cookie = format!("{COOKIE}=; Path=/api; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(cx));
            Ok(Visitor { owner, user: Some(user), cookie: Some(cookie) })
        }
        (Some(user), None) => Ok(Visitor { owner: Owner::User(user.user_id.clone()), user: Some(user), cookie: None }),
        (None, Some(id)) => Ok(Visitor { owner: Owner::Anonymous(id), user: None, cookie: None }),
        (None, None) => {
            let id = random::id()?;
            let cookie = format!("{COOKIE}={id}; Path=/api; HttpOnly; SameSite=Lax; Max-Age={}{}", ANONYMOUS_DAYS * 86_400, secure(cx));
            Ok(Visitor { owner: Owner::Anonymous(id), user: None, cookie: Some(cookie) })
        }
    }
}

/// Prices the cart, drops items that no longer exist, re-checks the promo
/// code, and answers with the whole cart.
async fn answer(cx: &Ctx, visitor: &Visitor, mut cart: Cart, status: u16) -> ApiResult<Response> {
    let ids: Vec<&str> = cart.items.iter().map(|i| i.product_id.as_str()).collect();
    let catalogue = catalogue::priced(&cx.db()?, &ids).await?;
    let (lines, gone) = cart::price(&cart, &catalogue);
    if !gone.is_empty() {
        cart.items.retain(|i| !gone.contains(&i.product_id));
        carts::save(&cx.env, &visitor.owner, &cart).await?;
    }
    let currency = lines.first().map(|l| l.currency.clone()).unwrap_or_default();
    let mut discount = 0;
    let promo = match &cart.promo_code {
        None => serde_json::Value::Null,
        Some(code) => match promos::evaluate(&cx.db()?, code, &lines, &currency, visitor.user.as_ref().map(|u| u.user_id.as_str()), cx.now).await? {
            Ok(amount) => {
                discount = amount;
                serde_json::json!({"code": code, "applied": true, "discount_minor": amount})
            }
            Err(why) => serde_json::json!({"code": code, "applied": false, "discount_minor": 0, "reason": {"code": why.code, "message": why.message}}),
        },
    };
    let totals = cart::totals(&lines, discount);
    let body = serde_json::json!({
        "cart": {
            "lines": lines,
            "currency": if currency.is_empty() { serde_json::Value::Null } else { currency.into() },
            "subtotal_minor": totals.subtotal_minor,
            "discount_minor": totals.discount_minor,
            "total_minor": totals.total_minor,
            "item_count": totals.item_count,
            "promo": promo,
            "removed_unavailable": gone,
        }
    });
    let response = respond::json(status, &body)?;
    if let Some(cookie) = &visitor.cookie {
        let _ = response.headers().append("Set-Cookie", cookie);
    }
    Ok(response)
}

pub async fn show(cx: Ctx) -> ApiResult<Response> {
    let mut visitor = visitor(&cx).await?;
    if matches!(visitor.owner, Owner::Anonymous(_)) && visitor.cookie.as_deref().is_some_and(|c| !c.contains("Max-Age=0")) {
        // Reading an empty cart needs no cookie yet.
        visitor.cookie = None;
    }
    let cart = carts::load(&cx.env, &visitor.owner).await?;
    answer(&cx, &visitor, cart, 200).await
}

/// Sets a product's quantity in the cart after every check, and saves.
async fn change(cx: &Ctx, visitor: &Visitor, mut cart: Cart, product_id: &str, quantity: i64) -> ApiResult<Cart> {
    let mut ids: Vec<&str> = cart.items.iter().map(|i| i.product_id.as_str()).collect();
    ids.push(product_id);
    let catalogue = catalogue::priced(&cx.db()?, &ids).await?;
    let product = catalogue.iter().find(|p| p.id == product_id && p.active).ok_or_else(|| ApiError::not_found("product"))?;
    cart.set_quantity(product, quantity, &catalogue, cx.now)?;
    carts::save(&cx.env, &visitor.owner, &cart).await?;
    Ok(cart)
}

fn not_in_cart() -> ApiError {
    ApiError::new(404, "not_in_cart", "this product is not in the cart").with_field("product_id")
}

/// `{product_id, quantity?}` (default 1): adds to what is already there.
pub async fn add(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let product_id = body.required_str("product_id")?.to_owned();
    let quantity = cart::check_quantity(body.optional_int("quantity")?.unwrap_or(1), false)?;
    let visitor = visitor(&cx).await?;
    let cart = carts::load(&cx.env, &visitor.owner).await?;
    let wanted = cart.quantity_of(&product_id) + quantity;
    let cart = change(&cx, &visitor, cart, &product_id, wanted).await?;
    answer(&cx, &visitor, cart, 200).await
}

/// `{product_id, quantity}`: sets the quantity; 0 removes the line.
pub async fn update(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let product_id = body.required_str("product_id")?.to_owned();
    let quantity = cart::check_quantity(body.required_int("quantity")?, true)?;
    let visitor = visitor(&cx).await?;
    let cart = carts::load(&cx.env, &visitor.owner).await?;
    if cart.quantity_of(&product_id) == 0 {
        return Err(not_in_cart());
    }
    let cart = change(&cx, &visitor, cart, &product_id, quantity).await?;
    answer(&cx, &visitor, cart, 200).await
}

/// `{product_id}`
pub async fn remove(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let product_id = body.required_str("product_id")?.to_owned();
    let visitor = visitor(&cx).await?;
    let mut cart = carts::load(&cx.env, &visitor.owner).await?;
    if cart.quantity_of(&product_id) == 0 {
        return Err(not_in_cart());
    }
    cart.items.retain(|i| i.product_id != product_id);
    cart.updated_at = cx.now;
    carts::save(&cx.env, &visitor.owner, &cart).await?;
    answer(&cx, &visitor, cart, 200).await
}

/// `{code}`: kept only if it applies to the cart as it is.
pub async fn apply_promo(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let code = promo::normalise_code(body.required_str("code")?)?;
    let visitor = visitor(&cx).await?;
    let mut cart = carts::load(&cx.env, &visitor.owner).await?;
    let ids: Vec<&str> = cart.items.iter().map(|i| i.product_id.as_str()).collect();
    let catalogue = catalogue::priced(&cx.db()?, &ids).await?;
    let (lines, _) = cart::price(&cart, &catalogue);
    let currency = lines.first().map(|l| l.currency.clone()).unwrap_or_default();
    promos::evaluate(&cx.db()?, &code, &lines, &currency, visitor.user.as_ref().map(|u| u.user_id.as_str()), cx.now).await??;
    cart.promo_code = Some(code);
    cart.updated_at = cx.now;
    carts::save(&cx.env, &visitor.owner, &cart).await?;
    answer(&cx, &visitor, cart, 200).await
}

pub async fn remove_promo(cx: Ctx) -> ApiResult<Response> {
    let visitor = visitor(&cx).await?;
    let mut cart = carts::load(&cx.env, &visitor.owner).await?;
    cart.promo_code = None;
    cart.updated_at = cx.now;
    carts::save(&cx.env, &visitor.owner, &cart).await?;
    answer(&cx, &visitor, cart, 200).await
}

pub async fn clear(cx: Ctx) -> ApiResult<Response> {
    let visitor = visitor(&cx).await?;
    carts::delete(&cx.env, &visitor.owner).await?;
    answer(&cx, &visitor, Cart::default(), 200).await
}
