-- Day summaries, SQLite. Keep in step with Postgres/0008_call_day_summaries.sql and Reporting/DaySummaries.cs.
-- A report over weeks of raw calls would otherwise read every call of every day on each request.
-- A summary holds one finished UTC day's report figures per agent and campaign ('' for none), for
-- calls in every state, exactly as the raw query computes them. It is a cache: it is kept only as
-- long as the day's calls do not change, and is recomputed when they have.
--
-- Every insert, update and delete of a call bumps its day's version; a summary records the version
-- it was computed from and is valid while that is still the day's version. Summaries are computed
-- from a read snapshot and stored afterwards in a short write, so the single SQLite writer is never
-- held for the length of a day's scan.
CREATE TABLE call_day_versions (
    workspace_id TEXT NOT NULL,
    day TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day)
) WITHOUT ROWID;

CREATE TABLE call_day_summaries (
    workspace_id TEXT NOT NULL,
    day TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    total_calls INTEGER NOT NULL, completed INTEGER NOT NULL, busy INTEGER NOT NULL, no_answer INTEGER NOT NULL, machine_detected INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, expired INTEGER NOT NULL, amd_human INTEGER NOT NULL, amd_machine INTEGER NOT NULL, amd_unknown INTEGER NOT NULL, amd_false_positive INTEGER NOT NULL,
    total_duration_secs INTEGER NOT NULL, completed_secs INTEGER NOT NULL, busy_secs INTEGER NOT NULL, no_answer_secs INTEGER NOT NULL, machine_detected_secs INTEGER NOT NULL, failed_secs INTEGER NOT NULL, cancelled_secs INTEGER NOT NULL, expired_secs INTEGER NOT NULL,
    billable_minutes INTEGER NOT NULL, cost_twilio_micros INTEGER NOT NULL, cost_eleven_labs_micros INTEGER NOT NULL, estimated_savings_micros INTEGER NOT NULL,
    quality_samples INTEGER NOT NULL, mos_samples INTEGER NOT NULL, network_samples INTEGER NOT NULL, mos_sum_milli INTEGER NOT NULL, jitter_sum_milli INTEGER NOT NULL, packet_loss_sum_milli INTEGER NOT NULL,
    quality_excellent INTEGER NOT NULL, quality_good INTEGER NOT NULL, quality_fair INTEGER NOT NULL, quality_poor INTEGER NOT NULL,
    queued INTEGER NOT NULL, dialing INTEGER NOT NULL, ringing INTEGER NOT NULL, in_progress INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day, agent_id, campaign_id)
);

CREATE TRIGGER calls_day_version_insert AFTER INSERT ON calls BEGIN
    INSERT INTO call_day_versions (workspace_id, day, version) VALUES (NEW.workspace_id, substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (workspace_id, day) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER calls_day_version_update AFTER UPDATE ON calls BEGIN
    INSERT INTO call_day_versions (workspace_id, day, version) VALUES (NEW.workspace_id, substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (workspace_id, day) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER calls_day_version_delete AFTER DELETE ON calls BEGIN
    INSERT INTO call_day_versions (workspace_id, day, version) VALUES (OLD.workspace_id, substr(OLD.created_at, 1, 10), 1)
    ON CONFLICT (workspace_id, day) DO UPDATE SET version = version + 1;
END;
