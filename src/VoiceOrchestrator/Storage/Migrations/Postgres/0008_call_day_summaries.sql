-- Day summaries, PostgreSQL. Keep in step with Sqlite/0008_call_day_summaries.sql and Reporting/DaySummaries.cs.
-- A report over weeks of raw calls would otherwise read every call of every day on each request.
-- A summary holds one finished UTC day's report figures per agent and campaign ('' for none), for
-- calls in every state, exactly as the raw query computes them. It is a cache: it is kept only as
-- long as the day's calls do not change.
--
-- Every statement that inserts, updates or deletes calls deletes the summaries of the days it
-- touched. A summary is computed under an exclusive transaction-scoped advisory lock on its
-- (workspace, day), and the trigger takes the same lock shared before deleting, so that a change
-- either commits before the summary's snapshot is taken or deletes the summary once it is
-- committed. Shared locks never wait for each other, so writers of calls do not queue behind one
-- another; they wait only while a summary of their day is being computed, which is done for
-- finished days alone.
--
-- Retention reads in REPEATABLE READ, whose snapshot could predate a summary committed meanwhile;
-- so it first locks call_day_summaries in SHARE ROW EXCLUSIVE mode (before its snapshot), which
-- waits for summaries being written and holds off new ones until the purge has committed. A summary
-- takes the table lock before the advisory one, always in that order.
CREATE TABLE call_day_summaries (
    workspace_id text NOT NULL,
    day date NOT NULL,
    agent_id text NOT NULL,
    campaign_id text NOT NULL,
    total_calls integer NOT NULL, completed integer NOT NULL, busy integer NOT NULL, no_answer integer NOT NULL, machine_detected integer NOT NULL, failed integer NOT NULL, cancelled integer NOT NULL, expired integer NOT NULL, amd_human integer NOT NULL, amd_machine integer NOT NULL, amd_unknown integer NOT NULL, amd_false_positive integer NOT NULL,
    total_duration_secs bigint NOT NULL, completed_secs bigint NOT NULL, busy_secs bigint NOT NULL, no_answer_secs bigint NOT NULL, machine_detected_secs bigint NOT NULL, failed_secs bigint NOT NULL, cancelled_secs bigint NOT NULL, expired_secs bigint NOT NULL,
    billable_minutes bigint NOT NULL, cost_twilio_micros bigint NOT NULL, cost_eleven_labs_micros bigint NOT NULL, estimated_savings_micros bigint NOT NULL,
    quality_samples integer NOT NULL, mos_samples integer NOT NULL, network_samples integer NOT NULL, mos_sum_milli bigint NOT NULL, jitter_sum_milli bigint NOT NULL, packet_loss_sum_milli bigint NOT NULL,
    quality_excellent integer NOT NULL, quality_good integer NOT NULL, quality_fair integer NOT NULL, quality_poor integer NOT NULL,
    queued integer NOT NULL, dialing integer NOT NULL, ringing integer NOT NULL, in_progress integer NOT NULL,
    PRIMARY KEY (workspace_id, day, agent_id, campaign_id)
);

-- The lock key of a (workspace, day); DaySummaries takes the same key exclusively.
CREATE FUNCTION call_day_lock_key(workspace text, day date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT hashtext(workspace || '/' || to_char(day, 'YYYY-MM-DD')) $$;

CREATE FUNCTION call_day_summaries_forget() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    touched record;
    each_day date;
BEGIN
    -- A bulk insert hands over 100,000 rows of one workspace and day: the first and last creation
    -- time per workspace are cheaper to find than every row's day, and cover the same days.
    FOR touched IN
        SELECT workspace_id, (MIN(created_at) AT TIME ZONE 'UTC')::date AS first_day, (MAX(created_at) AT TIME ZONE 'UTC')::date AS last_day
        FROM changed_calls GROUP BY workspace_id ORDER BY workspace_id
    LOOP
        each_day := touched.first_day;
        WHILE each_day <= touched.last_day LOOP
            -- 0x564F4453 ("VODS") keeps these keys apart from the service's other advisory locks.
            PERFORM pg_advisory_xact_lock_shared(1448035411, call_day_lock_key(touched.workspace_id, each_day));
            -- Looking first keeps writers of calls off the table's write lock unless there is something
            -- to delete, which is rare (a change to a finished day), so retention's table lock rarely stops them.
            IF EXISTS (SELECT 1 FROM call_day_summaries s WHERE s.workspace_id = touched.workspace_id AND s.day = each_day) THEN
                DELETE FROM call_day_summaries s WHERE s.workspace_id = touched.workspace_id AND s.day = each_day;
            END IF;
            each_day := each_day + 1;
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER calls_day_summaries_insert AFTER INSERT ON calls
    REFERENCING NEW TABLE AS changed_calls FOR EACH STATEMENT EXECUTE FUNCTION call_day_summaries_forget();
CREATE TRIGGER calls_day_summaries_update AFTER UPDATE ON calls
    REFERENCING NEW TABLE AS changed_calls FOR EACH STATEMENT EXECUTE FUNCTION call_day_summaries_forget();
CREATE TRIGGER calls_day_summaries_delete AFTER DELETE ON calls
    REFERENCING OLD TABLE AS changed_calls FOR EACH STATEMENT EXECUTE FUNCTION call_day_summaries_forget();
