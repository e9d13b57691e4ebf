//! The gateway: pages, routing to families, security headers, request ids.

use reqwest::Method;
use webox_e2e::site;

const SECURITY_HEADERS: &[&str] =
    &["content-security-policy", "strict-transport-security", "x-content-type-options", "referrer-policy", "x-frame-options"];

fn assert_secured(reply: &webox_e2e::Reply) {
    for header in SECURITY_HEADERS {
        assert!(reply.header(header).is_some(), "missing {header}");
    }
    assert!(reply.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(reply.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(reply.header("x-request-id").map(|id| id.len()), Some(32));
}

#[test]
fn pages_and_api_answers_carry_security_headers_and_a_request_id() {
    let client = site().client();
    let page = client.get("/");
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert_secured(&page);
    let api = client.get("/api/auth/me");
    assert_secured(&api);
    let body = api.expect_error(401, "unauthorized");
    assert_eq!(body["request_id"], api.header("x-request-id").unwrap().as_str(), "the error names the request id");
    assert_ne!(client.get("/").header("x-request-id"), page.header("x-request-id"));
}

#[test]
fn unknown_api_paths_are_json_404s() {
    let client = site().client();
    for path in ["/api/nothing-here", "/api/auth/nothing-here", "/api/profile/me/extra", "/api/"] {
        let reply = client.get(path);
        assert_secured(&reply);
        reply.expect_error(404, "route_not_found");
    }
}

#[test]
fn a_known_path_with_the_wrong_method_is_a_405_with_allow() {
    let client = site().client();
    let reply = client.send(client.request(Method::GET, "/api/auth/login"));
    reply.expect_error(405, "method_not_allowed");
    assert_eq!(reply.header("allow").as_deref(), Some("POST"));
}

#[test]
fn unknown_pages_get_the_not_found_page() {
    let reply = site().client().get("/no-such-page.html");
    assert_eq!(reply.status, 404);
    assert_secured(&reply);
}

#[test]
fn a_get_with_a_body_is_answered_not_dropped() {
    // The Fetch API forbids GET bodies; the gateway once failed such requests with 502.
    let client = site().client();
    let reply = client.send(client.request(Method::GET, "/api/auth/me").body("{}"));
    reply.expect_error(401, "unauthorized");
}
