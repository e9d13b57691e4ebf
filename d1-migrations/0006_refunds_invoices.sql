-- Refunds (one full refund per order), invoices (numbered per year, no gaps)
-- and the PayPal capture id a refund goes through. Money in minor units.
-- Append-only.

-- The capture a PayPal payment became (refunds go to the capture).
ALTER TABLE payments ADD COLUMN capture_reference TEXT;

CREATE TABLE refunds (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES orders(id),
  payment_id TEXT NOT NULL REFERENCES payments(id),
  provider TEXT NOT NULL,
  -- re_... (Stripe), the PayPal refund id; NULL for a bank transfer, which
  -- an admin sends back by hand
  provider_reference TEXT,
  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'manual')),
  requested_by_kind TEXT NOT NULL,
  requested_by TEXT,
  reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- The last invoice number given out each year. Numbers are taken in the
-- same transaction that marks the order paid, so they have no gaps and no
-- duplicates however many orders are paid at once.
CREATE TABLE invoice_counters (
  year INTEGER PRIMARY KEY,
  last_number INTEGER NOT NULL
);

CREATE TABLE invoices (
  order_id TEXT PRIMARY KEY REFERENCES orders(id),
  year INTEGER NOT NULL,
  number INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  -- the R2 key of the PDF, once rendered
  pdf_key TEXT,
  UNIQUE (year, number)
);
