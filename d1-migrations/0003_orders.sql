-- Orders: line snapshots, status history. Money in minor units. Append-only.

CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  status TEXT NOT NULL CHECK (status IN ('pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded', 'expired')),
  payment_method TEXT NOT NULL CHECK (payment_method IN ('stripe', 'paypal', 'bank_transfer')),
  currency TEXT NOT NULL,
  subtotal_minor INTEGER NOT NULL CHECK (subtotal_minor >= 0),
  discount_minor INTEGER NOT NULL CHECK (discount_minor >= 0),
  total_minor INTEGER NOT NULL CHECK (total_minor >= 0),
  promo_code TEXT,
  -- the client's Idempotency-Key: the same key gives back the same order
  idempotency_key TEXT NOT NULL,
  -- unpaid orders give their stock back after this time
  expires_at INTEGER,
  -- a random id written by each status change, so statements in the same
  -- batch can tell that this batch made the change
  last_transition TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_by_user ON orders (user_id, created_at DESC);
CREATE INDEX orders_unpaid ON orders (status, expires_at);

CREATE TABLE order_lines (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  category TEXT NOT NULL,
  unit_price_minor INTEGER NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  line_total_minor INTEGER NOT NULL,
  -- whether the product's stock was decremented (and is returned on cancel)
  stock_counted INTEGER NOT NULL,
  PRIMARY KEY (order_id, position)
);

CREATE TABLE order_history (
  id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  from_status TEXT,
  to_status TEXT NOT NULL,
  actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'admin', 'system', 'provider')),
  actor_id TEXT,
  note TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX order_history_by_order ON order_history (order_id, id);
