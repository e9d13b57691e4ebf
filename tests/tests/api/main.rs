//! End-to-end API scenarios against the whole local site (one `wrangler dev`
//! for this binary, started by the first test that needs it).

mod auth;
mod bad_input;
mod cart;
mod catalog;
mod email;
mod gateway;
mod openapi;
mod profile;
mod tokens;
mod wishlist_reviews;
