//! The refresh token also travels as an HttpOnly cookie scoped to
//! `/api/auth`, so pages never hold it in script-readable storage.

use worker::Response;

use webox_core::session::REFRESH_TOKEN_SECONDS;
use webox_edge::Ctx;

pub const NAME: &str = "webox_refresh";

fn secure_flag(cx: &Ctx) -> &'static str {
    match cx.req.url() {
        Ok(url) if url.scheme() == "https" => "; Secure",
        _ => "",
    }
}

pub fn set(cx: &Ctx, response: Response, token: &str) -> Response {
    let cookie = format!("{NAME}={token}; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age={REFRESH_TOKEN_SECONDS}{}", secure_flag(cx));
    let _ = response.headers().append("Set-Cookie", &cookie);
    response
}

pub fn clear(cx: &Ctx, response: Response) -> Response {
    let cookie = format!("{NAME}=; Path=/api/auth; HttpOnly; SameSite=Strict; Max-Age=0{}", secure_flag(cx));
    let _ = response.headers().append("Set-Cookie", &cookie);
    response
}

pub fn read(cx: &Ctx) -> Option<String> {
    let header = cx.header("Cookie")?;
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == NAME && !value.is_empty()).then(|| value.to_owned())
    })
}
