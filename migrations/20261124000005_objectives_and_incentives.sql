-- CX objectives cascaded from the organisation to departments, recorded KPI values,
-- and the incentive plans that tie pay to objectives.

CREATE TABLE objectives (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- One parent at most: an org-wide objective cascades to department objectives.
    parent_id            uuid REFERENCES objectives (id) ON DELETE RESTRICT,
    title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    -- NULL owner: an organisation-wide objective.
    owner_department_id  uuid REFERENCES departments (id) ON DELETE RESTRICT,
    metric               text NOT NULL CHECK (metric IN
                             ('nps', 'enps', 'internal-nps', 'contact-rate', 'contact-cost', 'kpi')),
    -- What the metric is measured on: NPS of a survey, a touchpoint or a department;
    -- eNPS of a department's employees; internal NPS of a rated department; contacts a
    -- department originates. NULLs widen the scope to the whole organisation.
    survey_id            uuid REFERENCES surveys (id) ON DELETE RESTRICT,
    touchpoint_id        uuid REFERENCES touchpoints (id) ON DELETE RESTRICT,
    department_id        uuid REFERENCES departments (id) ON DELETE RESTRICT,
    kpi_unit             text CHECK (length(kpi_unit) BETWEEN 1 AND 32),
    baseline             double precision NOT NULL,
    target               double precision NOT NULL,
    period_start         date NOT NULL,
    period_end           date NOT NULL,
    weight               double precision NOT NULL DEFAULT 1 CHECK (weight > 0 AND weight <= 100),
    archived_at          timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (target <> baseline),
    CHECK (period_end > period_start),
    CHECK ((metric = 'kpi') = (kpi_unit IS NOT NULL)),
    CHECK (metric IN ('nps') OR (survey_id IS NULL AND touchpoint_id IS NULL)),
    CHECK (parent_id IS NULL OR owner_department_id IS NOT NULL),
    CHECK (parent_id <> id),
    -- Lets kpi_measurements insist, by foreign key, that they belong to a KPI objective.
    CONSTRAINT objectives_id_metric_key UNIQUE (id, metric)
);
CREATE INDEX objectives_parent_idx ON objectives (parent_id);
CREATE INDEX objectives_owner_idx ON objectives (owner_department_id);

-- A cascade is a tree: refuse any parent that would close a cycle.
CREATE FUNCTION objectives_refuse_cycles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Serialise cascade edits: two concurrent re-parentings could each pass alone yet
    -- close a cycle together.
    PERFORM pg_advisory_xact_lock(hashtext('objectives_cascade'));
    IF NEW.parent_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE ancestors(id) AS (
            SELECT NEW.parent_id
            UNION
            SELECT o.parent_id FROM objectives o JOIN ancestors a ON o.id = a.id
            WHERE o.parent_id IS NOT NULL
        )
        SELECT 1 FROM ancestors WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'objective % cannot be its own ancestor', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'objectives_no_cycle';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER objectives_no_cycle
    BEFORE INSERT OR UPDATE OF parent_id ON objectives
    FOR EACH ROW EXECUTE FUNCTION objectives_refuse_cycles();

CREATE TABLE kpi_measurements (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    objective_id  uuid NOT NULL,
    metric        text NOT NULL DEFAULT 'kpi' CHECK (metric = 'kpi'),
    value         double precision NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    recorded_by   uuid REFERENCES users (id) ON DELETE RESTRICT,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    FOREIGN KEY (objective_id, metric) REFERENCES objectives (id, metric) ON DELETE RESTRICT
);
CREATE INDEX kpi_measurements_objective_idx ON kpi_measurements (objective_id, period_end);

CREATE TABLE incentive_plans (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text   NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- A plan covers a role, a department, or the heads of one department (both set).
    role                text CHECK (role IN ('cx-lead', 'department-head', 'executive')),
    department_id       uuid REFERENCES departments (id) ON DELETE RESTRICT,
    period_start        date   NOT NULL,
    period_end          date   NOT NULL,
    target_bonus_cents  bigint NOT NULL CHECK (target_bonus_cents >= 0),
    archived_at         timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (role IS NOT NULL OR department_id IS NOT NULL),
    CHECK (period_end > period_start)
);
CREATE UNIQUE INDEX incentive_plans_name_key ON incentive_plans (lower(name));

CREATE TABLE incentive_links (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id               uuid NOT NULL REFERENCES incentive_plans (id) ON DELETE CASCADE,
    objective_id          uuid NOT NULL REFERENCES objectives (id) ON DELETE RESTRICT,
    weight_pct            double precision NOT NULL CHECK (weight_pct > 0 AND weight_pct <= 100),
    threshold_value       double precision NOT NULL,
    target_value          double precision NOT NULL,
    stretch_value         double precision NOT NULL,
    threshold_payout_pct  double precision NOT NULL CHECK (threshold_payout_pct BETWEEN 0 AND 100),
    stretch_payout_pct    double precision NOT NULL CHECK (stretch_payout_pct BETWEEN 100 AND 500),
    -- Pay at the level the interval's lower bound reaches, so nobody is paid for noise.
    requires_confidence   boolean NOT NULL DEFAULT false,
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (plan_id, objective_id),
    -- The curve runs one way: threshold -> target -> stretch, up or down.
    CHECK ((threshold_value < target_value AND target_value < stretch_value)
        OR (threshold_value > target_value AND target_value > stretch_value))
);
CREATE INDEX incentive_links_objective_idx ON incentive_links (objective_id);

-- Weights of a plan's links may never exceed 100 %; checked at commit so that a
-- transaction can shift weight from one link to another.
CREATE FUNCTION incentive_links_weight_cap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Lock the plan so two transactions adding links cannot both pass on stale sums.
    PERFORM 1 FROM incentive_plans WHERE id = NEW.plan_id FOR UPDATE;
    IF (SELECT coalesce(sum(weight_pct), 0) FROM incentive_links WHERE plan_id = NEW.plan_id) > 100.000001 THEN
        RAISE EXCEPTION 'weights of incentive plan % exceed 100 %%', NEW.plan_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'incentive_links_weight_cap';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER incentive_links_weight_cap
    AFTER INSERT OR UPDATE ON incentive_links
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION incentive_links_weight_cap();
