-- People, their sessions and the API tokens of other systems.

CREATE TABLE users (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                text    NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    name                 text    NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    role                 text    NOT NULL CHECK (role IN ('cx-lead', 'department-head', 'executive')),
    -- The department a head acts for comes from here, never from a request.
    department_id        uuid REFERENCES departments (id) ON DELETE RESTRICT,
    password_hash        text    NOT NULL,
    password_changed_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at          timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'department-head') = (department_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_department_idx ON users (department_id);

ALTER TABLE departments
    ADD COLUMN head_user_id uuid REFERENCES users (id) ON DELETE SET NULL;

-- Server-side sessions, in the shape tower-sessions' PostgreSQL store reads and writes.
CREATE TABLE sessions (
    id           text PRIMARY KEY,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry_date);

CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text  NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    -- Only a SHA-256 of the token is kept; the prefix lets people recognise it in lists.
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    prefix        text  NOT NULL CHECK (length(prefix) BETWEEN 4 AND 16),
    scope         text  NOT NULL CHECK (scope IN ('ingest', 'read', 'admin')),
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

-- Replays of API writes carrying an Idempotency-Key header.
CREATE TABLE idempotency_keys (
    token_id         uuid  NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key              text  NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     bytea NOT NULL,
    response_status  smallint NOT NULL,
    response_body    jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, key)
);

-- Append-only record of logins, denials and every write by a person or token.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    actor_user_id  uuid REFERENCES users (id) ON DELETE RESTRICT,
    actor_token_id uuid REFERENCES api_tokens (id) ON DELETE RESTRICT,
    -- Who acted when there is no user or token: 'cli', 'system', or the email tried at a failed login.
    actor_label    text NOT NULL DEFAULT '' CHECK (length(actor_label) <= 254),
    peer_ip        inet,
    action         text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target_type    text NOT NULL DEFAULT '',
    target_id      text NOT NULL DEFAULT '',
    before         jsonb,
    after          jsonb
);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, occurred_at DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
