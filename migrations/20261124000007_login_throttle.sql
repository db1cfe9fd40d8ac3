-- Login lockout: failed attempts per e-mail address and client network ("email|net"),
-- known accounts or not (so the throttle does not reveal which accounts exist). Keyed
-- by network too, so that guessing from one place cannot lock the owner out everywhere.
CREATE TABLE login_throttle (
    email_key     text PRIMARY KEY CHECK (length(email_key) <= 254),
    failures      integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    window_start  timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz
);
