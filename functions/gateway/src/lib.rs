//! The gateway Worker: the one public entry point. Pages come from the static
//! assets (`public/`); `/api/...` goes to the family Worker that owns the
//! path, over a service binding. Every response gets the security headers
//! and the request id here, in one place.

use worker::{event, Context, Env, Headers, Method, Request, RequestInit, Response, Result};

use webox_core::random;

/// First path segment after `/api/` → the service binding of the family
/// that owns it.
/// Families are added here as they come online.
const FAMILIES: &[(&str, &str)] = &[
    ("auth", "AUTH"),
    ("profile", "PROFILE"),
    ("products", "MARKETPLACE"),
    ("categories", "MARKETPLACE"),
    ("plans", "MARKETPLACE"),
    ("cart", "MARKETPLACE"),
    ("wishlist", "MARKETPLACE"),
    ("orders", "ORDERS"),
    ("payment", "PAYMENT"),
    ("admin", "ADMIN"),
    ("chat", "CHAT"),
    ("generation", "GENERATION"),
];

static OPENAPI: &str = include_str!("../openapi.json");

/// The Content-Security-Policy: our own origin, plus Stripe.js (script,
/// its card frames, its API). When STRIPE_API_BASE points somewhere else
/// (the local simulator), the browser may confirm card payments there too.
fn csp(env: &Env) -> String {
    let mut connect = String::from("'self' https://api.stripe.com");
    if let Some(base) = env.secret("STRIPE_API_BASE").or_else(|_| env.var("STRIPE_API_BASE")).ok().map(|v| v.to_string()).filter(|b| b.starts_with("http") && !b.contains("api.stripe.com")) {
        if let Ok(url) = worker::Url::parse(&base) {
            connect.push(' ');
            connect.push_str(&url.origin().ascii_serialization());
        }
    }
    format!(
        "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self' blob:; connect-src {connect}; frame-src https://js.stripe.com https://hooks.stripe.com; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn secure(mut response: Response, request_id: &str, csp: &str) -> Response {
    // Responses from bindings and assets have immutable headers: copy them.
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        let _ = headers.append(&name, &value);
    }
    let _ = headers.set("Content-Security-Policy", csp);
    let _ = headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload");
    let _ = headers.set("X-Content-Type-Options", "nosniff");
    let _ = headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
    let _ = headers.set("X-Frame-Options", "DENY");
    let _ = headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(self)");
    let _ = headers.set("Cross-Origin-Opener-Policy", "same-origin");
    let _ = headers.set("X-Request-Id", request_id);
    response = response.with_headers(headers);
    response
}

fn json_error(status: u16, code: &str, message: &str, request_id: &str) -> Result<Response> {
    let body = serde_json::json!({"code": code, "message": message, "request_id": request_id});
    let headers = Headers::new();
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", "no-store")?;
    Ok(Response::from_bytes(body.to_string().into_bytes())?.with_status(status).with_headers(headers))
}

async fn route(req: Request, env: &Env, request_id: &str) -> Result<Response> {
    let path = req.path();
    let Some(api_path) = path.strip_prefix("/api/") else {
        return env.assets("ASSETS")?.fetch_request(req).await;
    };
    if api_path == "openapi.json" {
        let headers = Headers::new();
        headers.set("Content-Type", "application/json; charset=utf-8")?;
        return Ok(Response::from_bytes(OPENAPI.as_bytes().to_vec())?.with_headers(headers));
    }
    let family = api_path.split('/').next().unwrap_or_default();
    let Some((_, binding)) = FAMILIES.iter().find(|(name, _)| *name == family) else {
        return json_error(404, "route_not_found", &format!("no API route {} {path}", req.method()), request_id);
    };
    let service = match env.service(binding) {
        Ok(service) => service,
        Err(_) => return json_error(503, "family_unavailable", &format!("the {family} service is not available"), request_id),
    };
    // Incoming headers are immutable: forward a copy that carries the
    // request id, so the family's logs and errors name it too.
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        headers.append(&name, &value)?;
    }
    headers.set("X-Request-Id", request_id)?;
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    // GET and HEAD cannot carry a body in the Fetch API: a client that
    // sends one anyway has it dropped rather than the request failing.
    let bodiless = matches!(req.method(), Method::Get | Method::Head);
    if let (false, Some(body)) = (bodiless, req.inner().body()) {
        init.with_body(Some(body.into()));
    }
    let forwarded = Request::new_with_init(req.url()?.as_ref(), &init)?;
    match service.fetch_request(forwarded).await {
        Ok(response) => Ok(response),
        Err(e) => {
            worker::console_error!("[{request_id}] {family}: {e}");
            json_error(502, "upstream_failed", &format!("the {family} service failed to answer"), request_id)
        }
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let request_id = random::id().unwrap_or_else(|_| "unavailable".into());
    let response = match route(req, &env, &request_id).await {
        Ok(response) => response,
        Err(e) => {
            worker::console_error!("[{request_id}] gateway: {e}");
            json_error(502, "upstream_failed", "the service could not be reached", &request_id)?
        }
    };
    Ok(secure(response, &request_id, &csp(&env)))
}
