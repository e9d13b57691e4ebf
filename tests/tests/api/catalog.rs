//! /api/products, /api/categories, /api/plans: search, filters, sort, pages.

use serde_json::Value;
use webox_e2e::site;

fn products(query: &str) -> Value {
    site().client().get(&format!("/api/products{query}")).expect(200)
}

fn titles(body: &Value) -> Vec<String> {
    body["products"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_demo_shop_lists_its_products_newest_first_with_pages() {
    let first = products("?per_page=10");
    assert_eq!(first["total"], 48);
    assert_eq!(first["pages"], 5);
    assert_eq!(first["products"].as_array().unwrap().len(), 10);
    let dates: Vec<i64> = first["products"].as_array().unwrap().iter().map(|p| p["created_at"].as_i64().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let last = products("?per_page=10&page=5");
    assert_eq!(last["products"].as_array().unwrap().len(), 8);
    let beyond = products("?per_page=10&page=6");
    assert!(beyond["products"].as_array().unwrap().is_empty(), "an empty page, not an error");
    let p = &first["products"][0];
    assert!(p["price_minor"].is_i64() && p["currency"] == "EUR");
    assert!(p["images"][0].as_str().unwrap().starts_with("/api/products/"));
}

#[test]
fn full_text_search_finds_words_and_prefixes_across_fields() {
    let lofi = products("?q=lo-fi");
    assert!(titles(&lofi).contains(&"Lo-Fi Beats Vol. 1".to_owned()), "{lofi}");
    let prefix = products("?q=synthw");
    assert_eq!(titles(&prefix), vec!["Synthwave Loops"]);
    let by_category_text = products("?q=merch&per_page=50");
    assert_eq!(by_category_text["total"], 6);
    assert_eq!(products("?q=zzzznothing")["total"], 0);
    // FTS5 syntax in the text is just words.
    assert_eq!(products("?q=%22prompt%22%20OR%20NEAR(")["products"].as_array().map(Vec::len), Some(0));
}

#[test]
fn filters_combine() {
    let music = products("?category=music&per_page=50");
    assert_eq!(music["total"], 6);
    assert!(music["products"].as_array().unwrap().iter().all(|p| p["category"] == "music"));
    let cheap = products("?min_price=1000&max_price=1500&per_page=50");
    assert!(cheap["products"].as_array().unwrap().iter().all(|p| (1000..=1500).contains(&p["price_minor"].as_i64().unwrap())));
    assert!(cheap["total"].as_i64().unwrap() > 0);
    let merch = products("?category=merch&per_page=50");
    let in_stock = products("?category=merch&in_stock=true&per_page=50");
    assert_eq!(in_stock["total"].as_i64().unwrap(), merch["total"].as_i64().unwrap() - 1, "one merch product is sold out");
    assert!(in_stock["products"].as_array().unwrap().iter().all(|p| p["in_stock"] == true));
    let rated = products("?min_rating=4&per_page=100");
    assert!(rated["products"].as_array().unwrap().iter().all(|p| p["rating_average"].as_f64().unwrap() >= 4.0));
}

#[test]
fn sorts_order_what_they_say() {
    let asc = products("?sort=price_asc&per_page=100");
    let prices: Vec<i64> = asc["products"].as_array().unwrap().iter().map(|p| p["price_minor"].as_i64().unwrap()).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]));
    let desc = products("?sort=price_desc&per_page=100");
    let prices: Vec<i64> = desc["products"].as_array().unwrap().iter().map(|p| p["price_minor"].as_i64().unwrap()).collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]));
    let relevant = products("?q=prompt&sort=relevance");
    assert!(relevant["total"].as_i64().unwrap() >= 6);
}

#[test]
fn bad_listing_parameters_are_400s_with_their_field() {
    let client = site().client();
    for (query, code, field) in [
        ("?sort=cheapest", "invalid_value", "sort"),
        ("?sort=relevance", "invalid_value", "sort"),
        ("?min_price=-5", "invalid_value", "min_price"),
        ("?min_price=900&max_price=100", "invalid_range", "max_price"),
        ("?min_rating=9", "invalid_value", "min_rating"),
        ("?in_stock=perhaps", "invalid_value", "in_stock"),
        ("?page=0", "invalid_value", "page"),
        ("?per_page=500", "invalid_value", "per_page"),
        ("?category=Bad%20Slug", "invalid_value", "category"),
        ("?colour=red", "unknown_parameter", "colour"),
    ] {
        client.get(&format!("/api/products{query}")).expect_field_error(400, code, field);
    }
}

#[test]
fn product_detail_by_id_or_slug_with_rating_summary() {
    let client = site().client();
    let by_slug = client.get("/api/products/synthwave-loops").expect(200);
    let id = by_slug["product"]["id"].as_str().unwrap().to_owned();
    let by_id = client.get(&format!("/api/products/{id}")).expect(200);
    assert_eq!(by_id["product"]["slug"], "synthwave-loops");
    assert_eq!(by_id["rating"]["distribution"].as_object().unwrap().len(), 5);
    assert!(by_id["plan"].is_null());
    client.get("/api/products/no-such-thing").expect_error(404, "not_found");
}

#[test]
fn categories_count_their_products_and_plans_are_listed() {
    let categories = site().client().get("/api/categories").expect(200);
    let music = categories["categories"].as_array().unwrap().iter().find(|c| c["slug"] == "music").unwrap().clone();
    assert_eq!(music["product_count"], 6);
    let plans = site().client().get("/api/plans").expect(200);
    let names: Vec<&str> = plans["plans"].as_array().unwrap().iter().map(|p| p["product"]["title"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Free plan", "Pro plan", "Business plan"]);
    assert_eq!(plans["plans"][1]["plan"]["monthly_credits"], 2000);
    assert_eq!(plans["plans"][1]["product"]["price_minor"], 1900);
    let listing = products("?q=plan");
    assert!(titles(&listing).iter().all(|t| !t.ends_with(" plan")), "plans are not in the product listing");
}

#[test]
fn product_images_are_real_pngs_stored_once() {
    let client = site().client();
    let product = client.get("/api/products/synthwave-loops").expect(200)["product"].clone();
    let url = product["images"][0].as_str().unwrap().to_owned();
    let first = client.get(&url);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type").as_deref(), Some("image/png"));
    let decoder = png::Decoder::new(std::io::Cursor::new(&first.body));
    let reader = decoder.read_info().expect("a PNG that decodes");
    assert_eq!((reader.info().width, reader.info().height), (480, 360));
    assert_eq!(client.get(&url).body, first.body, "the stored image is served again");
    client.get(&format!("/api/products/{}/images/7", product["id"].as_str().unwrap())).expect_error(404, "not_found");
    client.get("/api/products/nope/images/0").expect_error(404, "not_found");
}
