-- Customers' detractor and passive comments, newest first: a department page shows the newest
-- few attributed to it and counts them only up to a cap, walking this index from the top
-- rather than sorting every comment ever made (flat in the number of responses).
CREATE INDEX responses_feedback_newest_idx ON responses (submitted_at DESC, id DESC)
    WHERE survey_kind = 'customer' AND score <= 8 AND comment IS NOT NULL;
