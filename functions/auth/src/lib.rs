//! auth — `/api/auth/*`. Every route is in this table; handlers live in
//! `account.rs` (register, login, me), `session.rs` (refresh, logout) and
//! `recovery.rs` (password reset, email verification).

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod account;
mod cookie;
mod recovery;
mod session;

const ROUTES: &[Route] = routes![
    Post "/api/auth/register" => account::register,
    Post "/api/auth/login" => account::login,
    Get "/api/auth/me" => account::me,
    Post "/api/auth/refresh" => session::refresh,
    Post "/api/auth/logout" => session::logout,
    Post "/api/auth/logout-all" => session::logout_all,
    Post "/api/auth/password/forgot" => recovery::forgot_password,
    Post "/api/auth/password/reset" => recovery::reset_password,
    Post "/api/auth/verify-email" => recovery::verify_email,
    Post "/api/auth/verify-email/resend" => recovery::resend_verification,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
