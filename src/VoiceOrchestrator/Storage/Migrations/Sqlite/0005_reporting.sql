-- Reporting and retention, SQLite. Keep in step with Postgres/0005_reporting.sql and OrchestratorDbContext.
-- Call aggregates are kept per workspace, day, agent and campaign ('' for calls without one), so that
-- a report filtered by both campaign and agent can still be answered after the raw calls are gone.
-- Both aggregates gain the figures the reports need: seconds per final state (minutes by status),
-- AMD false positives, and separate sample counts for MOS and for network figures (MOS exists only
-- for some call edges). Money becomes whole millionths of a dollar and quality sums whole
-- thousandths, so that sums are exact and identical in any order. Rows rolled up before this
-- migration keep their figures: their seconds are attributed to completed calls and their quality
-- samples to both averages.
CREATE TABLE call_daily_aggregates_v5 (
    workspace_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    day TEXT NOT NULL,
    total_calls INTEGER NOT NULL, completed INTEGER NOT NULL, busy INTEGER NOT NULL, no_answer INTEGER NOT NULL, machine_detected INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, expired INTEGER NOT NULL, amd_human INTEGER NOT NULL, amd_machine INTEGER NOT NULL, amd_unknown INTEGER NOT NULL, amd_false_positive INTEGER NOT NULL,
    total_duration_secs INTEGER NOT NULL, completed_secs INTEGER NOT NULL, busy_secs INTEGER NOT NULL, no_answer_secs INTEGER NOT NULL, machine_detected_secs INTEGER NOT NULL, failed_secs INTEGER NOT NULL, cancelled_secs INTEGER NOT NULL, expired_secs INTEGER NOT NULL,
    billable_minutes INTEGER NOT NULL, cost_twilio_micros INTEGER NOT NULL, cost_eleven_labs_micros INTEGER NOT NULL, estimated_savings_micros INTEGER NOT NULL,
    quality_samples INTEGER NOT NULL, mos_samples INTEGER NOT NULL, network_samples INTEGER NOT NULL, mos_sum_milli INTEGER NOT NULL, jitter_sum_milli INTEGER NOT NULL, packet_loss_sum_milli INTEGER NOT NULL,
    quality_excellent INTEGER NOT NULL, quality_good INTEGER NOT NULL, quality_fair INTEGER NOT NULL, quality_poor INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, day, agent_id, campaign_id)
);
INSERT INTO call_daily_aggregates_v5 (workspace_id, agent_id, campaign_id, day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, amd_false_positive, total_duration_secs, completed_secs, busy_secs, no_answer_secs, machine_detected_secs, failed_secs, cancelled_secs, expired_secs, billable_minutes, cost_twilio_micros, cost_eleven_labs_micros, estimated_savings_micros, quality_samples, mos_samples, network_samples, mos_sum_milli, jitter_sum_milli, packet_loss_sum_milli, quality_excellent, quality_good, quality_fair, quality_poor, updated_at)
SELECT workspace_id, agent_id, '', day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, 0, total_duration_secs, total_duration_secs, 0, 0, 0, 0, 0, 0, CAST(ROUND(billable_minutes) AS INTEGER), CAST(ROUND(cost_twilio * 1000000) AS INTEGER), CAST(ROUND(cost_eleven_labs * 1000000) AS INTEGER), CAST(ROUND(estimated_savings * 1000000) AS INTEGER), quality_samples, quality_samples, quality_samples, CAST(ROUND(mos_sum * 1000) AS INTEGER), CAST(ROUND(jitter_sum * 1000) AS INTEGER), CAST(ROUND(packet_loss_sum * 1000) AS INTEGER), quality_excellent, quality_good, quality_fair, quality_poor, updated_at FROM call_daily_aggregates;
DROP TABLE call_daily_aggregates;
ALTER TABLE call_daily_aggregates_v5 RENAME TO call_daily_aggregates;

CREATE TABLE campaign_daily_aggregates_v5 (
    workspace_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    day TEXT NOT NULL,
    total_calls INTEGER NOT NULL, completed INTEGER NOT NULL, busy INTEGER NOT NULL, no_answer INTEGER NOT NULL, machine_detected INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, expired INTEGER NOT NULL, amd_human INTEGER NOT NULL, amd_machine INTEGER NOT NULL, amd_unknown INTEGER NOT NULL, amd_false_positive INTEGER NOT NULL,
    total_duration_secs INTEGER NOT NULL, completed_secs INTEGER NOT NULL, busy_secs INTEGER NOT NULL, no_answer_secs INTEGER NOT NULL, machine_detected_secs INTEGER NOT NULL, failed_secs INTEGER NOT NULL, cancelled_secs INTEGER NOT NULL, expired_secs INTEGER NOT NULL,
    billable_minutes INTEGER NOT NULL, cost_twilio_micros INTEGER NOT NULL, cost_eleven_labs_micros INTEGER NOT NULL, estimated_savings_micros INTEGER NOT NULL,
    quality_samples INTEGER NOT NULL, mos_samples INTEGER NOT NULL, network_samples INTEGER NOT NULL, mos_sum_milli INTEGER NOT NULL, jitter_sum_milli INTEGER NOT NULL, packet_loss_sum_milli INTEGER NOT NULL,
    quality_excellent INTEGER NOT NULL, quality_good INTEGER NOT NULL, quality_fair INTEGER NOT NULL, quality_poor INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, day, campaign_id)
);
INSERT INTO campaign_daily_aggregates_v5 (workspace_id, campaign_id, day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, amd_false_positive, total_duration_secs, completed_secs, busy_secs, no_answer_secs, machine_detected_secs, failed_secs, cancelled_secs, expired_secs, billable_minutes, cost_twilio_micros, cost_eleven_labs_micros, estimated_savings_micros, quality_samples, mos_samples, network_samples, mos_sum_milli, jitter_sum_milli, packet_loss_sum_milli, quality_excellent, quality_good, quality_fair, quality_poor, updated_at)
SELECT workspace_id, campaign_id, day, total_calls, completed, busy, no_answer, machine_detected, failed, cancelled, expired, amd_human, amd_machine, amd_unknown, 0, total_duration_secs, total_duration_secs, 0, 0, 0, 0, 0, 0, CAST(ROUND(billable_minutes) AS INTEGER), CAST(ROUND(cost_twilio * 1000000) AS INTEGER), CAST(ROUND(cost_eleven_labs * 1000000) AS INTEGER), CAST(ROUND(estimated_savings * 1000000) AS INTEGER), quality_samples, quality_samples, quality_samples, CAST(ROUND(mos_sum * 1000) AS INTEGER), CAST(ROUND(jitter_sum * 1000) AS INTEGER), CAST(ROUND(packet_loss_sum * 1000) AS INTEGER), quality_excellent, quality_good, quality_fair, quality_poor, updated_at FROM campaign_daily_aggregates;
DROP TABLE campaign_daily_aggregates;
ALTER TABLE campaign_daily_aggregates_v5 RENAME TO campaign_daily_aggregates;

-- Progress and "ETA at the current rate": calls still to finish, and calls finished lately.
CREATE INDEX ix_calls_workspace_open ON calls (workspace_id, campaign_id, state) WHERE state IN ('queued','dialing','ringing','in_progress');
CREATE INDEX ix_calls_workspace_ended ON calls (workspace_id, ended_at) WHERE ended_at IS NOT NULL;
