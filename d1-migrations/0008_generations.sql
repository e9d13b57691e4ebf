-- Media generations (images now; audio and video jobs next): one row per
-- request with its parameters, status, progress and cost (micro-dollars),
-- and the files it produced, stored in R2.

CREATE TABLE generations (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'video')),
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt TEXT NOT NULL,
  -- JSON object: the options sent to the provider
  parameters TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  -- 0 to 100
  progress INTEGER NOT NULL DEFAULT 0,
  cost_micros INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT,
  provider_task_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX generations_by_user ON generations (user_id, kind, created_at DESC);

CREATE TABLE generation_files (
  generation_id TEXT NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  r2_key TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  PRIMARY KEY (generation_id, position)
);
