//! orders — `/api/orders/*`. Every route is in this table; handlers live in
//! `checkout.rs` and `orders.rs`.

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod checkout;
mod orders;

const ROUTES: &[Route] = routes![
    Post "/api/orders/checkout" => checkout::checkout,
    Get "/api/orders/list" => orders::list,
    Get "/api/orders/{id}" => orders::detail,
    Post "/api/orders/{id}/cancel" => orders::cancel,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
