-- Which business function a department is, for the panel its scorecard adds (HR,
-- Finance, Legal, IT); NULL is any other department (the shared scorecard only).
ALTER TABLE departments
    ADD COLUMN business_function text CHECK (business_function IN ('hr', 'finance', 'legal', 'it'));

-- At most one department per function: the panels read organisation-wide figures.
CREATE UNIQUE INDEX departments_business_function_key ON departments (business_function)
    WHERE archived_at IS NULL;

UPDATE departments SET business_function = slug::text
WHERE slug::text IN ('hr', 'finance', 'legal', 'it') AND archived_at IS NULL;
