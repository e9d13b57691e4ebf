-- The shop: categories, products (with FTS5 search), plans, reviews,
-- wishlists, promo codes. Prices in minor units. Append-only.

CREATE TABLE categories (
  slug TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL DEFAULT 'product' CHECK (kind IN ('product', 'plan')),
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  category TEXT NOT NULL REFERENCES categories(slug),
  price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
  currency TEXT NOT NULL,
  -- NULL: not counted (plans, digital goods)
  stock INTEGER CHECK (stock IS NULL OR stock >= 0),
  active INTEGER NOT NULL DEFAULT 1,
  -- R2 keys of the images, JSON array; the first is the main image
  images TEXT NOT NULL DEFAULT '[]',
  rating_count INTEGER NOT NULL DEFAULT 0,
  rating_sum INTEGER NOT NULL DEFAULT 0,
  -- average in tenths of a star (45 = 4.5), kept with rating_sum/count
  rating_avg_tenths INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- One index per filter/sort the listing uses, led by what every query filters on.
CREATE INDEX products_newest ON products (kind, active, created_at DESC);
CREATE INDEX products_by_price ON products (kind, active, price_minor);
CREATE INDEX products_by_rating ON products (kind, active, rating_avg_tenths DESC);
CREATE INDEX products_by_category ON products (category, kind, active, created_at DESC);

CREATE VIRTUAL TABLE products_fts USING fts5 (
  title, description, category,
  content = 'products', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2',
  -- prefix indexes: searches match words by their beginning
  prefix = '2 3 4'
);
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
  INSERT INTO products_fts (rowid, title, description, category) VALUES (new.rowid, new.title, new.description, new.category);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
  INSERT INTO products_fts (products_fts, rowid, title, description, category) VALUES ('delete', old.rowid, old.title, old.description, old.category);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description, category ON products BEGIN
  INSERT INTO products_fts (products_fts, rowid, title, description, category) VALUES ('delete', old.rowid, old.title, old.description, old.category);
  INSERT INTO products_fts (rowid, title, description, category) VALUES (new.rowid, new.title, new.description, new.category);
END;

-- Subscription plans are products of kind 'plan' (so they go in the cart
-- like anything else) with these details.
CREATE TABLE plans (
  product_id TEXT PRIMARY KEY REFERENCES products(id),
  monthly_credits INTEGER NOT NULL,
  billing_interval TEXT NOT NULL DEFAULT 'month' CHECK (billing_interval IN ('month', 'year')),
  features TEXT NOT NULL DEFAULT '[]',
  position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE reviews (
  id TEXT PRIMARY KEY,
  product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  text TEXT NOT NULL,
  verified_purchase INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (product_id, user_id)
);
CREATE INDEX reviews_by_product ON reviews (product_id, created_at DESC);

CREATE TABLE wishlists (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, product_id)
);

CREATE TABLE promo_codes (
  code TEXT PRIMARY KEY,
  discount_kind TEXT NOT NULL CHECK (discount_kind IN ('percent_bp', 'fixed_minor')),
  discount_value INTEGER NOT NULL CHECK (discount_value >= 0),
  currency TEXT NOT NULL,
  min_subtotal_minor INTEGER NOT NULL DEFAULT 0,
  starts_at INTEGER,
  ends_at INTEGER,
  usage_limit INTEGER,
  per_user_limit INTEGER,
  -- JSON array of category slugs, or NULL for every category
  categories TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);

-- One row per order that used a code (written by checkout).
CREATE TABLE promo_redemptions (
  code TEXT NOT NULL REFERENCES promo_codes(code),
  user_id TEXT NOT NULL REFERENCES users(id),
  order_id TEXT NOT NULL,
  redeemed_at INTEGER NOT NULL,
  PRIMARY KEY (code, order_id)
);
CREATE INDEX promo_redemptions_by_user ON promo_redemptions (code, user_id);
