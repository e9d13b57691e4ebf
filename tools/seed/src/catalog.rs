//! The demo shop: categories, products (digital and physical, some out of
//! stock), subscription plans and promo codes.

use sha2::{Digest, Sha256};

use crate::sql_text;

pub const CATEGORIES: &[(&str, &str)] = &[
    ("ai-prompts", "AI prompt packs"),
    ("templates", "Templates"),
    ("music", "Music"),
    ("ebooks", "eBooks"),
    ("courses", "Courses"),
    ("stock-images", "Stock images"),
    ("video-packs", "Video packs"),
    ("merch", "Merch"),
];

/// (category, titles, base price in cents, physical?)
const RANGES: &[(&str, &[&str], i64, bool)] = &[
    ("ai-prompts", &["Midjourney Portrait Prompts", "ChatGPT Marketing Prompts", "Claude Coding Prompts", "Product Photo Prompts", "Fantasy Worlds Prompt Pack", "Logo Design Prompts"], 900, false),
    ("templates", &["Notion Creator Dashboard", "Pitch Deck Template", "YouTube Thumbnail Kit", "Newsletter Template Pack", "Social Media Calendar", "Invoice Template Set"], 1500, false),
    ("music", &["Lo-Fi Beats Vol. 1", "Cinematic Trailer Music", "Synthwave Loops", "Podcast Intro Jingles", "Ambient Focus Tracks", "Corporate Upbeat Pack"], 1200, false),
    ("ebooks", &["Prompt Engineering Handbook", "AI for Small Business", "Writing with Machines", "The Creator Economy Guide", "Stable Diffusion Field Guide", "Voice Cloning Ethics"], 1900, false),
    ("courses", &["AI Video Masterclass", "Generative Art Bootcamp", "Automate Your Shop", "Chatbots from Scratch", "AI Music Production", "Selling Digital Products"], 4900, false),
    ("stock-images", &["Neon City Nights", "Minimal Workspaces", "Abstract Gradients", "Nature Macro Shots", "Retro Futurism Set", "Food Flat Lays"], 700, false),
    ("video-packs", &["Cinematic B-Roll Pack", "Motion Graphics Starter", "Vertical Shorts Templates", "Drone Landscapes", "Glitch Transitions", "Product Reveal Animations"], 2900, false),
    ("merch", &["WeBox Hoodie", "Prompt Engineer Mug", "Neural Net T-Shirt", "Creator Sticker Pack", "AI Artist Tote Bag", "Desk Mat XL"], 2400, true),
];

const PLANS: &[(&str, &str, i64, i64, &[&str])] = &[
    ("Free", "Try every model with a monthly allowance.", 0, 100, &["100 credits a month", "Chat with every provider", "Community support"]),
    ("Pro", "For creators who publish every week.", 1900, 2000, &["2,000 credits a month", "Image, audio and video generation", "Priority queue", "Email support"]),
    ("Business", "For teams and shops selling what they make.", 7900, 10000, &["10,000 credits a month", "Everything in Pro", "Team seats", "Invoices and bank transfer"]),
];

/// A demo promo code; the strings are SQL literals.
struct Promo {
    code: &'static str,
    kind: &'static str,
    value: i64,
    min_subtotal: i64,
    ends_at: &'static str,
    usage_limit: &'static str,
    categories: &'static str,
}

const PROMOS: &[Promo] = &[
    Promo { code: "WELCOME10", kind: "percent_bp", value: 1000, min_subtotal: 0, ends_at: "NULL", usage_limit: "NULL", categories: "NULL" },
    Promo { code: "SAVE5", kind: "fixed_minor", value: 500, min_subtotal: 2000, ends_at: "NULL", usage_limit: "NULL", categories: "NULL" },
    Promo { code: "MUSIC20", kind: "percent_bp", value: 2000, min_subtotal: 0, ends_at: "NULL", usage_limit: "NULL", categories: "'[\"music\"]'" },
    // ended on 2025-09-01
    Promo { code: "SUMMER2025", kind: "percent_bp", value: 1500, min_subtotal: 0, ends_at: "1756684800", usage_limit: "NULL", categories: "NULL" },
    Promo { code: "SOLDOUT", kind: "percent_bp", value: 5000, min_subtotal: 0, ends_at: "NULL", usage_limit: "0", categories: "NULL" },
];

pub fn product_id(slug: &str) -> String {
    hex::encode(&Sha256::digest(slug.as_bytes())[..16])
}

fn slugify(title: &str) -> String {
    webox_core::catalog::slugify(title)
}

pub fn sql(now: u64) -> String {
    let mut sql = String::new();
    for (position, (slug, name)) in CATEGORIES.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO categories (slug, name, position) VALUES ({}, {}, {position}) ON CONFLICT (slug) DO NOTHING;\n",
            sql_text(slug),
            sql_text(name)
        ));
    }
    sql.push_str("INSERT INTO categories (slug, name, position) VALUES ('plans', 'Plans', 99) ON CONFLICT (slug) DO NOTHING;\n");
    let mut n: i64 = 0;
    for (category, titles, base, physical) in RANGES {
        for (i, title) in titles.iter().enumerate() {
            n += 1;
            let slug = slugify(title);
            let id = product_id(&slug);
            let price = base + (i as i64 * 250) + (n % 3) * 100 - 1;
            // Physical goods are counted; one of them is sold out.
            let stock = if *physical { if i == 3 { "0".to_owned() } else { format!("{}", 5 + i * 4) } } else { "NULL".to_owned() };
            let range = CATEGORIES.iter().find(|(slug, _)| slug == category).map_or(*category, |(_, name)| name);
            let description = if *physical {
                format!("{title}, from the WeBox {range} collection. Printed on demand and shipped worldwide.")
            } else {
                format!("{title}, from the WeBox {range} collection. Instant download, commercial licence included.")
            };
            let created = now as i64 - n * 3600;
            sql.push_str(&format!(
                "INSERT INTO products (id, slug, kind, title, description, category, price_minor, currency, stock, active, images, created_at, updated_at) \
                 VALUES ({}, {}, 'product', {}, {}, {}, {price}, 'EUR', {stock}, 1, {}, {created}, {created}) ON CONFLICT (slug) DO NOTHING;\n",
                sql_text(&id),
                sql_text(&slug),
                sql_text(title),
                sql_text(&description),
                sql_text(category),
                sql_text(&format!("[\"products/{id}/0.png\"]")),
            ));
        }
    }
    for (position, (name, description, price, credits, features)) in PLANS.iter().enumerate() {
        let slug = format!("plan-{}", name.to_lowercase());
        let id = product_id(&slug);
        sql.push_str(&format!(
            "INSERT INTO products (id, slug, kind, title, description, category, price_minor, currency, stock, active, images, created_at, updated_at) \
             VALUES ({}, {}, 'plan', {}, {}, 'plans', {price}, 'EUR', NULL, 1, '[]', {now}, {now}) ON CONFLICT (slug) DO NOTHING;\n",
            sql_text(&id),
            sql_text(&slug),
            sql_text(&format!("{name} plan")),
            sql_text(description),
        ));
        let features = serde_json::to_string(features).unwrap_or_else(|_| "[]".into());
        sql.push_str(&format!(
            "INSERT INTO plans (product_id, monthly_credits, billing_interval, features, position) VALUES ({}, {credits}, 'month', {}, {position}) ON CONFLICT DO NOTHING;\n",
            sql_text(&id),
            sql_text(&features),
        ));
    }
    let year = 365 * 86_400;
    for promo in PROMOS {
        sql.push_str(&format!(
            "INSERT INTO promo_codes (code, discount_kind, discount_value, currency, min_subtotal_minor, starts_at, ends_at, usage_limit, per_user_limit, categories, active, created_at) \
             VALUES ('{}', '{}', {}, 'EUR', {}, NULL, {}, {}, 1, {}, 1, {now}) ON CONFLICT (code) DO NOTHING;\n",
            promo.code, promo.kind, promo.value, promo.min_subtotal, promo.ends_at, promo.usage_limit, promo.categories
        ));
    }
    sql.push_str(&format!(
        "INSERT INTO promo_codes (code, discount_kind, discount_value, currency, min_subtotal_minor, starts_at, per_user_limit, active, created_at) \
         VALUES ('NEXTYEAR', 'percent_bp', 2500, 'EUR', 0, {}, 1, 1, {now}) ON CONFLICT (code) DO NOTHING;\n",
        now as i64 + year
    ));
    sql
}
