-- Per-account login throttling: failed attempts per e-mail address (known or not, so
-- the throttle itself does not reveal which accounts exist).
CREATE TABLE login_throttle (
    email_key     text PRIMARY KEY CHECK (length(email_key) <= 254),
    failures      integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    window_start  timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz
);
