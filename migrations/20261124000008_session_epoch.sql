-- Bumped whenever a person's sessions must end (disabling the account, "sign out
-- everywhere"): sessions remember the epoch they began in, so re-enabling an account
-- does not bring old sessions back.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
