//! payment — `/api/payment/*`. Every route is in this table; handlers live
//! in `bank_transfer.rs`, `stripe.rs` and `paypal.rs`.

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod bank_transfer;
mod buyer;
mod paypal;
mod stripe;
mod webhooks;

const ROUTES: &[Route] = routes![
    Post "/api/payment/bank-transfer/generate" => bank_transfer::generate,
    Post "/api/payment/bank-transfer/receive" => bank_transfer::receive,
    Post "/api/payment/stripe/create-intent" => stripe::create_intent,
    Post "/api/payment/stripe/confirm" => stripe::confirm,
    Post "/api/payment/stripe/webhook" => stripe::webhook,
    Post "/api/payment/paypal/create-order" => paypal::create_order,
    Post "/api/payment/paypal/capture" => paypal::capture,
    Post "/api/payment/paypal/webhook" => paypal::webhook,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
