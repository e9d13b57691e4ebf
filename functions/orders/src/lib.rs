//! orders — `/api/orders/*`. Every route is in this table; handlers live in
//! `checkout.rs` and `orders.rs`.

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

use webox_edge::{routes, Route};

mod checkout;
mod orders;

const ROUTES: &[Route] = routes![
    Post "/api/orders/checkout" => checkout::checkout,
    Get "/api/orders/list" => orders::list,
    Get "/api/orders/{id}" => orders::detail,
    Post "/api/orders/{id}/cancel" => orders::cancel,
    Get "/api/orders/{id}/invoice" => orders::invoice,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}

/// Every few minutes (`[triggers]` in wrangler.toml): unpaid orders past
/// their payment time expire and give their stock back.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = webox_edge::now();
    let result = match env.d1("DB") {
        Ok(db) => webox_edge::orders::expire_overdue(&db, None, now).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(n) => worker::console_log!("expired {n} unpaid orders"),
        Err(e) => worker::console_error!("expiring unpaid orders: {e}"),
    }
}
