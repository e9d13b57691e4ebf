//! `cargo bench -p webox-e2e --bench marketplace`: loads 10,000 more
//! products into a fresh local site, then times search, product detail and
//! cart add over HTTP (sequential requests from one client) and prints
//! p50/p99 for each. A measurement, not a test: it fails only if a request does.

use std::time::{Duration, Instant};

use serde_json::json;
use webox_e2e::bench::report;

const PRODUCTS: usize = 10_000;
const SAMPLES: usize = 300;
const WORDS: &[&str] = &["neon", "retro", "cosmic", "velvet", "urban", "arctic", "golden", "silent", "electric", "lunar", "wild", "crystal"];
const NOUNS: &[&str] = &["beats", "prompts", "template", "course", "poster", "loops", "guide", "pack", "kit", "mug", "shirt", "presets"];
const CATEGORIES: &[&str] = &["ai-prompts", "templates", "music", "ebooks", "courses", "stock-images", "video-packs", "merch"];

fn seed_sql() -> String {
    let mut sql = String::new();
    for i in 0..PRODUCTS {
        let title = format!("{} {} {} {i}", WORDS[i % WORDS.len()], WORDS[(i / 7) % WORDS.len()], NOUNS[(i / 3) % NOUNS.len()]);
        let category = CATEGORIES[i % CATEGORIES.len()];
        let stock = if category == "merch" { format!("{}", i % 40) } else { "NULL".into() };
        sql.push_str(&format!(
            "INSERT INTO products (id, slug, kind, title, description, category, price_minor, currency, stock, active, images, rating_count, rating_sum, rating_avg_tenths, created_at, updated_at) \
             VALUES ('bench{i:011}', 'bench-{i}', 'product', '{title}', 'A benchmark item: {title}, in {category}.', '{category}', {}, 'EUR', {stock}, 1, '[]', {}, {}, {}, {}, {});\n",
            199 + (i * 37 % 9_800),
            i % 5,
            (i % 5) * (1 + i % 5),
            if i % 5 == 0 { 0 } else { (1 + i % 5) * 10 },
            1_700_000_000 + i,
            1_700_000_000 + i,
        ));
    }
    sql
}

fn measure(name: &str, mut request: impl FnMut(usize)) {
    for i in 0..20 {
        request(i); // warm-up
    }
    let times: Vec<Duration> = (0..SAMPLES)
        .map(|i| {
            let start = Instant::now();
            request(i);
            start.elapsed()
        })
        .collect();
    report(name, times);
}

fn main() {
    let sql_path = std::env::temp_dir().join(webox_e2e::unique("webox-bench-")).with_extension("sql");
    std::fs::write(&sql_path, seed_sql()).expect("writing the benchmark data");
    let started = Instant::now();
    let site = webox_e2e::site_with(&sql_path);
    println!("site with {} products ready in {:.1} s", PRODUCTS + 48, started.elapsed().as_secs_f64());
    let client = site.client();
    let total = client.get("/api/products?per_page=1").expect(200)["total"].as_i64().unwrap_or(0);
    assert!(total as usize >= PRODUCTS, "only {total} products loaded");

    measure("search q=<word> (relevance)", |i| {
        client.get(&format!("/api/products?q={}", WORDS[i % WORDS.len()])).expect(200);
    });
    measure("search q + category + sort", |i| {
        let q = NOUNS[i % NOUNS.len()];
        let category = CATEGORIES[i % CATEGORIES.len()];
        client.get(&format!("/api/products?q={q}&category={category}&sort=price_asc&in_stock=true")).expect(200);
    });
    measure("listing filters, page 5", |i| {
        client.get(&format!("/api/products?min_price={}&max_price=9000&min_rating=3&page=5", 100 + i)).expect(200);
    });
    measure("product detail", |i| {
        client.get(&format!("/api/products/bench-{}", i * 31 % PRODUCTS)).expect(200);
    });
    let shopper = site.client().with_cookies();
    measure("cart add", |i| {
        // Lines are capped at 50 per cart: empty it now and then.
        if i % 40 == 0 {
            shopper.send(shopper.request(reqwest::Method::DELETE, "/api/cart")).expect(200);
        }
        shopper.post("/api/cart/add", json!({"product_id": format!("bench{:011}", (i * 7919) % PRODUCTS)})).expect(200);
    });
    let _ = std::fs::remove_file(&sql_path);
}
