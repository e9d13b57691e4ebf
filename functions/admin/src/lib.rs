//! admin — `/api/admin/*` (admins only). Every route is in this table;
//! handlers live in `orders.rs`.

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod orders;

const ROUTES: &[Route] = routes![
    Post "/api/admin/orders/{id}/status" => orders::change_status,
    Post "/api/admin/orders/{id}/refund" => orders::refund,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
