-- The organisation, its departments and the value chain between them.

-- One row: the organisation's settings. The boolean key makes a second row impossible.
CREATE TABLE organisation (
    singleton              boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    name                   text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    time_zone              text        NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
    currency               text        NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    min_sample             integer     NOT NULL DEFAULT 30 CHECK (min_sample BETWEEN 1 AND 100000),
    anonymity_threshold    integer     NOT NULL DEFAULT 5 CHECK (anonymity_threshold BETWEEN 1 AND 1000),
    followup_overdue_days  integer     NOT NULL DEFAULT 7 CHECK (followup_overdue_days BETWEEN 1 AND 365),
    version                integer     NOT NULL DEFAULT 1,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- An unknown time zone would break every period computation: refuse it at the door.
CREATE FUNCTION organisation_check_time_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.time_zone) THEN
        RAISE EXCEPTION 'unknown time zone %', NEW.time_zone
            USING ERRCODE = 'check_violation', CONSTRAINT = 'organisation_time_zone_known';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER organisation_time_zone_known
    BEFORE INSERT OR UPDATE OF time_zone ON organisation
    FOR EACH ROW EXECUTE FUNCTION organisation_check_time_zone();

-- Slugs appear in URLs and API payloads: lower-case words joined by hyphens.
CREATE DOMAIN slug AS text CHECK (VALUE ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(VALUE) <= 64);

CREATE TABLE departments (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug               slug        NOT NULL UNIQUE,
    name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    kind               text        NOT NULL CHECK (kind IN ('front-line', 'support')),
    impact_statement   text        NOT NULL DEFAULT '' CHECK (length(impact_statement) <= 2000),
    -- head_user_id is added with the users table (the two reference each other).
    archived_at        timestamptz,
    version            integer     NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX departments_name_key ON departments (lower(name));

-- Internal customers: `supplier` serves `customer` (004: "you serve the customer,
-- or you serve someone who does").
CREATE TABLE department_links (
    supplier_id  uuid NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    customer_id  uuid NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (supplier_id, customer_id),
    CHECK (supplier_id <> customer_id)
);
CREATE INDEX department_links_customer_idx ON department_links (customer_id);
