-- The customer journey (stages, touchpoints) and the surveys that measure it.

CREATE TABLE journey_stages (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text    NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    position    integer NOT NULL CHECK (position >= 0),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Deferrable so that stages can be reordered in one transaction.
    CONSTRAINT journey_stages_position_key UNIQUE (position) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE UNIQUE INDEX journey_stages_name_key ON journey_stages (lower(name));

CREATE TABLE touchpoints (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                 slug    NOT NULL UNIQUE,
    name                 text    NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    stage_id             uuid    NOT NULL REFERENCES journey_stages (id) ON DELETE RESTRICT,
    position             integer NOT NULL DEFAULT 0 CHECK (position >= 0),
    -- A touchpoint without an owner is allowed but shown as a gap on the admin overview.
    owner_department_id  uuid REFERENCES departments (id) ON DELETE RESTRICT,
    channel              text    NOT NULL CHECK (channel IN ('digital', 'phone', 'in-person', 'document', 'email')),
    archived_at          timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX touchpoints_owner_idx ON touchpoints (owner_department_id);

CREATE TABLE surveys (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                 slug    NOT NULL UNIQUE,
    name                 text    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                 text    NOT NULL CHECK (kind IN ('customer', 'employee', 'internal')),
    -- The unguessable part of the public link /s/{token}.
    public_token         text    NOT NULL UNIQUE CHECK (public_token ~ '^[A-Za-z0-9_-]{16,64}$'),
    question             text    NOT NULL CHECK (length(question) BETWEEN 1 AND 500),
    touchpoint_id        uuid REFERENCES touchpoints (id) ON DELETE RESTRICT,
    rated_department_id  uuid REFERENCES departments (id) ON DELETE RESTRICT,
    -- NULL means the organisation's minimum sample applies.
    min_sample           integer CHECK (min_sample BETWEEN 1 AND 100000),
    opens_at             timestamptz NOT NULL DEFAULT now(),
    closed_at            timestamptz,
    archived_at          timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    -- Internal surveys rate exactly one department; only customer surveys sit on a touchpoint.
    CHECK ((kind = 'internal') = (rated_department_id IS NOT NULL)),
    CHECK (kind = 'customer' OR touchpoint_id IS NULL),
    CHECK (closed_at IS NULL OR closed_at >= opens_at),
    -- Lets responses carry their survey's kind, checked by foreign key.
    CONSTRAINT surveys_id_kind_key UNIQUE (id, kind)
);
CREATE UNIQUE INDEX surveys_name_key ON surveys (lower(name));
