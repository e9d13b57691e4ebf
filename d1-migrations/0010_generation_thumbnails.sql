-- A generation's files are its media (positions 0, 1, ...) or a poster /
-- cover image the provider made for them (`thumbnail`), served the same way.
ALTER TABLE generation_files ADD COLUMN role TEXT NOT NULL DEFAULT 'media' CHECK (role IN ('media', 'thumbnail'));
