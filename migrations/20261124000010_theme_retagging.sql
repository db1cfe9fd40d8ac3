-- Re-tagging past comments after a theme changed. One job per change, worked through in
-- chunks of response ids, each chunk committed with its tags and the job's progress, so
-- that progress can be shown and survives a restart. A newer change of the same theme
-- supersedes the job still running for it.
CREATE TABLE theme_retag_jobs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    theme_id          uuid    NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
    theme_version     integer NOT NULL,
    -- Responses after this id arrived after the change and were tagged on arrival.
    upto_response_id  bigint  NOT NULL,
    -- Responses before this id are done.
    next_response_id  bigint  NOT NULL DEFAULT 0,
    total             bigint  NOT NULL CHECK (total >= 0),
    done              bigint  NOT NULL DEFAULT 0 CHECK (done >= 0),
    tagged            bigint  NOT NULL DEFAULT 0 CHECK (tagged >= 0),
    status            text    NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'done', 'superseded')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz
);
CREATE INDEX theme_retag_jobs_pending_idx ON theme_retag_jobs (id) WHERE status IN ('queued', 'running');
CREATE INDEX theme_retag_jobs_theme_idx ON theme_retag_jobs (theme_id, id);

-- Re-tagging and the theme preview read commented responses only, by id.
CREATE INDEX responses_commented_idx ON responses (id) WHERE comment IS NOT NULL;
