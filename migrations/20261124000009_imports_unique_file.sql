-- The same file imported twice for the same survey is refused by the database itself,
-- even when two imports of it run at once.
DROP INDEX imports_file_idx;
CREATE UNIQUE INDEX imports_file_key ON imports (kind, file_sha256, survey_id) NULLS NOT DISTINCT;
