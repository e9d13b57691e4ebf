//! /api/wishlist and product reviews.

use reqwest::Method;
use serde_json::json;
use webox_e2e::site;

fn id(slug: &str) -> String {
    site().client().get(&format!("/api/products/{slug}")).expect(200)["product"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn wishlist_adds_idempotently_lists_and_removes() {
    let user = site().new_user();
    let mug = id("prompt-engineer-mug");
    assert_eq!(user.client.get("/api/wishlist").expect(200)["items"], json!([]));
    assert_eq!(user.client.post("/api/wishlist", json!({"product_id": mug})).expect(201)["added"], true);
    assert_eq!(user.client.post("/api/wishlist", json!({"product_id": mug})).expect(200)["added"], false);
    let list = user.client.get("/api/wishlist").expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["product"]["slug"], "prompt-engineer-mug");
    let remove = |product_id: &str| user.client.send(user.client.request(Method::DELETE, "/api/wishlist").json(&json!({"product_id": product_id})));
    remove(&mug).expect(204);
    remove(&mug).expect_field_error(404, "not_in_wishlist", "product_id");
    user.client.post("/api/wishlist", json!({"product_id": "nope"})).expect_error(404, "not_found");
    user.client.post("/api/wishlist", json!({})).expect_field_error(400, "missing_field", "product_id");
    site().client().get("/api/wishlist").expect_error(401, "unauthorized");
    // Another user's wishlist is their own.
    user.client.post("/api/wishlist", json!({"product_id": mug})).expect(201);
    assert_eq!(site().new_user().client.get("/api/wishlist").expect(200)["items"], json!([]));
}

#[test]
fn reviews_keep_the_average_and_count_consistent() {
    let product = id("generative-art-bootcamp");
    let path = format!("/api/products/{product}/reviews");
    for (rating, text) in [(5, "Superb"), (4, "Good"), (4, "Useful")] {
        let user = site().new_user();
        let body = user.client.post(&path, json!({"rating": rating, "text": text})).expect(201);
        assert_eq!(body["review"]["verified_purchase"], false);
    }
    let detail = site().client().get(&format!("/api/products/{product}")).expect(200);
    assert_eq!(detail["rating"]["count"], 3);
    assert_eq!(detail["rating"]["average"], 4.3);
    assert_eq!(detail["rating"]["distribution"]["4"], 2);
    let list = site().client().get(&format!("{path}?per_page=2")).expect(200);
    assert_eq!(list["total"], 3);
    assert_eq!(list["reviews"].as_array().unwrap().len(), 2);
    assert_eq!(list["reviews"][0]["author_name"], "Test User");
    let rated = site().client().get("/api/products?min_rating=4.3&category=courses").expect(200);
    assert!(rated["products"].as_array().unwrap().iter().any(|p| p["id"] == product.as_str()));
}

#[test]
fn review_bad_inputs_and_one_review_per_user() {
    let product = id("chatbots-from-scratch");
    let path = format!("/api/products/{product}/reviews");
    let user = site().new_user();
    for (body, code, field) in [
        (json!({"rating": 0, "text": "x"}), "invalid_rating", "rating"),
        (json!({"rating": 6, "text": "x"}), "invalid_rating", "rating"),
        (json!({"rating": 4.5, "text": "x"}), "invalid_field_type", "rating"),
        (json!({"rating": 4, "text": "   "}), "invalid_text", "text"),
        (json!({"rating": 4, "text": "x".repeat(2001)}), "invalid_text", "text"),
        (json!({"text": "x"}), "missing_field", "rating"),
    ] {
        user.client.post(&path, body).expect_field_error(400, code, field);
    }
    site().client().post(&path, json!({"rating": 4, "text": "anonymous"})).expect_error(401, "unauthorized");
    user.client.post("/api/products/nope/reviews", json!({"rating": 4, "text": "x"})).expect_error(404, "not_found");
    user.client.post(&path, json!({"rating": 3, "text": "Fine"})).expect(201);
    user.client.post(&path, json!({"rating": 5, "text": "Changed my mind"})).expect_error(409, "already_reviewed");
    let detail = site().client().get(&format!("/api/products/{product}")).expect(200);
    assert_eq!(detail["rating"]["count"], 1);
    assert_eq!(detail["rating"]["average"], 3.0);
    site().client().get(&format!("{path}?page=0")).expect_field_error(400, "invalid_value", "page");
}
