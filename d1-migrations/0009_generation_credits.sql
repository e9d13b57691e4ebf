-- Plan credits a generation holds: taken when it starts (for accounts with
-- a plan), given back if it fails.
ALTER TABLE generations ADD COLUMN credits_reserved INTEGER NOT NULL DEFAULT 0;
