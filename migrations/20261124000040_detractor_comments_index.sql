-- Customers' detractor comments by time: the executive page reads the newest of a period
-- (the movers' themes and representative comments) without visiting every response.
CREATE INDEX responses_detractor_comments_idx ON responses (submitted_at)
    WHERE survey_kind = 'customer' AND score <= 6 AND comment IS NOT NULL;
