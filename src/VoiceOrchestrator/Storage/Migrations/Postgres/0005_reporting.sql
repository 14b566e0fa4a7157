-- Reporting and retention, PostgreSQL. Keep in step with Sqlite/0005_reporting.sql and OrchestratorDbContext.
-- Call aggregates are kept per workspace, day, agent and campaign ('' for calls without one), so that
-- a report filtered by both campaign and agent can still be answered after the raw calls are gone.
-- Both aggregates gain the figures the reports need: seconds per final state (minutes by status),
-- AMD false positives, and separate sample counts for MOS and for network figures (MOS exists only
-- for some call edges). Money becomes whole millionths of a dollar and quality sums whole
-- thousandths, so that sums are exact and identical in any order. Rows rolled up before this
-- migration keep their figures: their seconds are attributed to completed calls and their quality
-- samples to both averages.
CREATE TABLE call_daily_aggregates_v5 (
    workspace_id text NOT NULL,
    agent_id text NOT NULL,
    campaign_id text NOT NULL,
    day date NOT NULL,
    total_calls integer NOT NULL, completed integer NOT NULL, busy integer NOT NULL, no_answer integer NOT NULL, machine_detected integer NOT NULL, failed integer NOT NULL, cancelled integer NOT NULL, expired integer NOT NULL, amd_human integer NOT NULL, amd_machine integer NOT NULL, amd_unknown integer NOT NULL, amd_false_positive integer NOT NULL,
    total_duration_secs bigint NOT NULL, completed_secs bigint NOT NULL, busy_secs bigint NOT NULL, no_answer_secs bigint NOT NULL, machine_detected_secs bigint NOT NULL, failed_secs bigint NOT NULL, cancelled_secs bigint NOT NULL, expired_secs bigint NOT NULL,
    billable_minutes bigint NOT NULL, cost_twilio_micros bigint NOT NULL, cost_eleven_labs_micros bigint NOT NULL, estimated_savings_micros bigint NOT NULL,
    quality_samples integer NOT NULL, mos_samples integer NOT NULL, network_samples integer NOT NULL, mos_sum_milli bigint NOT NULL, jitter_sum_milli bigint NOT NULL, packet_loss_sum_milli bigint NOT NULL,
    quality_excellent integer NOT NULL, quality_good integer NOT NULL, quality_fair integer NOT NULL, quality_poor integer NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    PRIMARY KEY (workspace_id, day, agent_id, campaign_id)
);
INSERT INTO call_daily_aggregates_v5 (workspace_id, agent_id, campaign_id, day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, amd_false_positive, total_duration_secs, completed_secs, busy_secs, no_answer_secs, machine_detected_secs, failed_secs, cancelled_secs, expired_secs, billable_minutes, cost_twilio_micros, cost_eleven_labs_micros, estimated_savings_micros, quality_samples, mos_samples, network_samples, mos_sum_milli, jitter_sum_milli, packet_loss_sum_milli, quality_excellent, quality_good, quality_fair, quality_poor, updated_at)
SELECT workspace_id, agent_id, '', day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, 0, total_duration_secs, total_duration_secs, 0, 0, 0, 0, 0, 0, CAST(ROUND(billable_minutes) AS bigint), CAST(ROUND(cost_twilio * 1000000) AS bigint), CAST(ROUND(cost_eleven_labs * 1000000) AS bigint), CAST(ROUND(estimated_savings * 1000000) AS bigint), quality_samples, quality_samples, quality_samples, CAST(ROUND(mos_sum * 1000) AS bigint), CAST(ROUND(jitter_sum * 1000) AS bigint), CAST(ROUND(packet_loss_sum * 1000) AS bigint), quality_excellent, quality_good, quality_fair, quality_poor, updated_at FROM call_daily_aggregates;
DROP TABLE call_daily_aggregates;
ALTER TABLE call_daily_aggregates_v5 RENAME TO call_daily_aggregates;

CREATE TABLE campaign_daily_aggregates_v5 (
    workspace_id text NOT NULL,
    campaign_id text NOT NULL,
    day date NOT NULL,
    total_calls integer NOT NULL, completed integer NOT NULL, busy integer NOT NULL, no_answer integer NOT NULL, machine_detected integer NOT NULL, failed integer NOT NULL, cancelled integer NOT NULL, expired integer NOT NULL, amd_human integer NOT NULL, amd_machine integer NOT NULL, amd_unknown integer NOT NULL, amd_false_positive integer NOT NULL,
    total_duration_secs bigint NOT NULL, completed_secs bigint NOT NULL, busy_secs bigint NOT NULL, no_answer_secs bigint NOT NULL, machine_detected_secs bigint NOT NULL, failed_secs bigint NOT NULL, cancelled_secs bigint NOT NULL, expired_secs bigint NOT NULL,
    billable_minutes bigint NOT NULL, cost_twilio_micros bigint NOT NULL, cost_eleven_labs_micros bigint NOT NULL, estimated_savings_micros bigint NOT NULL,
    quality_samples integer NOT NULL, mos_samples integer NOT NULL, network_samples integer NOT NULL, mos_sum_milli bigint NOT NULL, jitter_sum_milli bigint NOT NULL, packet_loss_sum_milli bigint NOT NULL,
    quality_excellent integer NOT NULL, quality_good integer NOT NULL, quality_fair integer NOT NULL, quality_poor integer NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    PRIMARY KEY (workspace_id, day, campaign_id)
);
INSERT INTO campaign_daily_aggregates_v5 (workspace_id, campaign_id, day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, amd_false_positive, total_duration_secs, completed_secs, busy_secs, no_answer_secs, machine_detected_secs, failed_secs, cancelled_secs, expired_secs, billable_minutes, cost_twilio_micros, cost_eleven_labs_micros, estimated_savings_micros, quality_samples, mos_samples, network_samples, mos_sum_milli, jitter_sum_milli, packet_loss_sum_milli, quality_excellent, quality_good, quality_fair, quality_poor, updated_at)
SELECT workspace_id, campaign_id, day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, 0, total_duration_secs, total_duration_secs, 0, 0, 0, 0, 0, 0, CAST(ROUND(billable_minutes) AS bigint), CAST(ROUND(cost_twilio * 1000000) AS bigint), CAST(ROUND(cost_eleven_labs * 1000000) AS bigint), CAST(ROUND(estimated_savings * 1000000) AS bigint), quality_samples, quality_samples, quality_samples, CAST(ROUND(mos_sum * 1000) AS bigint), CAST(ROUND(jitter_sum * 1000) AS bigint), CAST(ROUND(packet_loss_sum * 1000) AS bigint), quality_excellent, quality_good, quality_fair, quality_poor, updated_at FROM campaign_daily_aggregates;
DROP TABLE campaign_daily_aggregates;
ALTER TABLE campaign_daily_aggregates_v5 RENAME TO campaign_daily_aggregates;

-- Progress and "ETA at the current rate": calls still to finish, and calls finished lately.
CREATE INDEX ix_calls_workspace_open ON calls (workspace_id, campaign_id, state) WHERE state IN ('queued','dialing','ringing','in_progress');
CREATE INDEX ix_calls_workspace_ended ON calls (workspace_id, ended_at) WHERE ended_at IS NOT NULL;
