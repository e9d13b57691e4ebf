//! marketplace — `/api/products`, `/api/categories`, `/api/plans`,
//! `/api/cart/*`, `/api/wishlist`. Every route is in this table; handlers
//! live in `catalog.rs`, `cart.rs`, `wishlist.rs` and `reviews.rs`.

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod cart;
mod catalog;
mod reviews;
mod wishlist;

const ROUTES: &[Route] = routes![
    Get "/api/products" => catalog::list,
    Get "/api/products/{id}" => catalog::detail,
    Get "/api/products/{id}/images/{n}" => catalog::image,
    Get "/api/products/{id}/reviews" => reviews::list,
    Post "/api/products/{id}/reviews" => reviews::create,
    Get "/api/categories" => catalog::categories,
    Get "/api/plans" => catalog::plans,
    Get "/api/cart" => cart::show,
    Post "/api/cart/add" => cart::add,
    Post "/api/cart/remove" => cart::remove,
    Post "/api/cart/update" => cart::update,
    Post "/api/cart/promo" => cart::apply_promo,
    Delete "/api/cart/promo" => cart::remove_promo,
    Delete "/api/cart" => cart::clear,
    Get "/api/wishlist" => wishlist::list,
    Post "/api/wishlist" => wishlist::add,
    Delete "/api/wishlist" => wishlist::remove,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
