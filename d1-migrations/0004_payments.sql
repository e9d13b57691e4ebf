-- Payments (one per order and provider), bank-transfer receipts, and the
-- plans accounts have bought. Money in minor units. Append-only.

CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  provider TEXT NOT NULL CHECK (provider IN ('stripe', 'paypal', 'bank_transfer')),
  -- PaymentIntent id, PayPal order id, or the RF reference of a transfer
  provider_reference TEXT NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'partially_received', 'succeeded', 'failed', 'refunded')),
  received_minor INTEGER NOT NULL DEFAULT 0,
  -- provider event ids that changed this payment (JSON array)
  raw_event_ids TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (provider, provider_reference),
  UNIQUE (order_id, provider)
);

CREATE TABLE bank_transfer_receipts (
  id INTEGER PRIMARY KEY,
  payment_id TEXT NOT NULL REFERENCES payments(id),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  received_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL REFERENCES users(id),
  note TEXT
);
CREATE INDEX bank_transfer_receipts_by_payment ON bank_transfer_receipts (payment_id, id);

-- The plan an account bought (the latest paid one wins).
CREATE TABLE account_plans (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  plan_product_id TEXT NOT NULL REFERENCES products(id),
  order_id TEXT NOT NULL REFERENCES orders(id),
  monthly_credits INTEGER NOT NULL,
  since INTEGER NOT NULL
);
