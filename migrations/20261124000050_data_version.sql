-- A counter that moves on after every committed change to what pages show, so that page
-- data cached by filter is recomputed on the very next request (see services::page_cache).
-- A sequence, not a row: writers never wait on each other for it.
CREATE SEQUENCE data_version;
