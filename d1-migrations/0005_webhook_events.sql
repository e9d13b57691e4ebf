-- Every provider event received, by its id: the row is written before the
-- event is acted on, so a redelivery (even a concurrent one) finds it and
-- does nothing. Append-only.

CREATE TABLE webhook_events (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  outcome TEXT,
  PRIMARY KEY (provider, event_id)
);
