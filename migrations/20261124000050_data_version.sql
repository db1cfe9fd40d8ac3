-- A counter moved on after every committed change to what pages show, so that page data
-- cached by filter is recomputed on the very next request (see services::page_cache).
-- A row, not a sequence: it replicates with the data, so a read replica's version says
-- exactly which writes it has replayed. Moved on in its own short transaction after the
-- write has committed, so writers hold its lock for a moment only.
CREATE TABLE data_version (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO data_version (version) VALUES (0);
