-- Initial schema, SQLite. Keep in step with Postgres/0001_initial.sql and OrchestratorDbContext.
CREATE TABLE workspaces (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    api_key_hash TEXT NOT NULL,
    api_key_prefix TEXT NOT NULL,
    concurrency_limit INTEGER NULL,
    is_active INTEGER NOT NULL,
    metadata TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    key_rotated_at TEXT NULL
);
CREATE UNIQUE INDEX "IX_workspaces_api_key_hash" ON workspaces (api_key_hash);

CREATE TABLE agents (
    id TEXT NOT NULL PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    name TEXT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX "IX_agents_workspace_id_agent_id" ON agents (workspace_id, agent_id);

CREATE TABLE phone_numbers (
    id TEXT NOT NULL PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    phone_number_id TEXT NOT NULL,
    number TEXT NOT NULL,
    provider TEXT NOT NULL,
    label TEXT NULL,
    outbound_calls_path TEXT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX "IX_phone_numbers_workspace_id_phone_number_id" ON phone_numbers (workspace_id, phone_number_id);

CREATE TABLE agent_phone_numbers (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    phone_number_id TEXT NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, phone_number_id)
);
CREATE INDEX "IX_agent_phone_numbers_phone_number_id" ON agent_phone_numbers (phone_number_id);

CREATE TABLE campaigns (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NULL,
    status TEXT NOT NULL,
    concurrency INTEGER NOT NULL,
    gate_mode TEXT NOT NULL,
    machine_detection_timeout INTEGER NOT NULL,
    enable_machine_detection INTEGER NOT NULL,
    metadata TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE calls (
    id TEXT NOT NULL PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    campaign_id TEXT NULL,
    batch_id TEXT NULL,
    lane INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    source TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    agent_phone_number_id TEXT NOT NULL,
    to_number TEXT NOT NULL,
    from_number TEXT NULL,
    variables TEXT NULL,
    metadata TEXT NULL,
    client_data TEXT NULL,
    gate_mode TEXT NOT NULL,
    enable_machine_detection INTEGER NOT NULL,
    machine_detection_timeout INTEGER NOT NULL,
    concurrency INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    next_attempt_at TEXT NULL,
    lease_expires_at TEXT NULL,
    conversation_id TEXT NULL,
    provider_call_id TEXT NULL,
    twilio_call_sid TEXT NULL,
    failure_reason TEXT NULL,
    termination_reason TEXT NULL,
    last_error TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    dialed_at TEXT NULL,
    answered_at TEXT NULL,
    ended_at TEXT NULL,
    duration_secs INTEGER NULL,
    amd_status TEXT NULL,
    answered_by TEXT NULL,
    amd_detection_ms INTEGER NULL,
    sip_trunk_used INTEGER NOT NULL,
    cost_twilio REAL NULL,
    cost_eleven_labs REAL NULL,
    eleven_labs_credits REAL NULL,
    call_quality TEXT NULL,
    jitter REAL NULL,
    packet_loss REAL NULL,
    mos_score REAL NULL
);
-- One live call per destination number per workspace: the database refuses a second one.
CREATE UNIQUE INDEX ux_calls_active_number ON calls (workspace_id, to_number) WHERE state IN ('dialing','ringing','in_progress');
CREATE INDEX ix_calls_queue ON calls (lane, priority, id) WHERE state = 'queued';
CREATE INDEX ix_calls_active_lease ON calls (lease_expires_at) WHERE state IN ('dialing','ringing','in_progress');
CREATE INDEX ix_calls_workspace_created ON calls (workspace_id, created_at);
CREATE INDEX ix_calls_workspace_campaign_state ON calls (workspace_id, campaign_id, state);
CREATE INDEX ix_calls_conversation ON calls (conversation_id);
CREATE INDEX ix_calls_provider_call ON calls (provider_call_id);
CREATE INDEX ix_calls_twilio_call_sid ON calls (twilio_call_sid);
CREATE INDEX ix_calls_batch ON calls (batch_id);

CREATE TABLE call_events (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    from_state TEXT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_call_events_call ON call_events (call_id, id);

CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX "IX_idempotency_keys_expires_at" ON idempotency_keys (expires_at);

CREATE TABLE dispatcher_lease (
    name TEXT NOT NULL PRIMARY KEY,
    holder TEXT NULL,
    expires_at TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    generation INTEGER NOT NULL
);

CREATE TABLE conversations (
    conversation_id TEXT NOT NULL PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    call_id TEXT NULL,
    agent_id TEXT NULL,
    caller_number TEXT NULL,
    callee_number TEXT NULL,
    status TEXT NOT NULL,
    direction TEXT NULL,
    call_type TEXT NULL,
    started_at TEXT NULL,
    ended_at TEXT NULL,
    duration_secs INTEGER NULL,
    transcript TEXT NULL,
    analysis TEXT NULL,
    summary TEXT NULL,
    metadata TEXT NULL,
    end_reason TEXT NULL,
    has_recording INTEGER NOT NULL,
    synced_from_api INTEGER NOT NULL,
    last_synced_at TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_conversations_workspace_started ON conversations (workspace_id, started_at);
CREATE INDEX ix_conversations_workspace_callee ON conversations (workspace_id, callee_number);
CREATE INDEX ix_conversations_workspace_caller ON conversations (workspace_id, caller_number);
CREATE INDEX ix_conversations_call ON conversations (call_id);

CREATE TABLE sync_log (
    id TEXT NOT NULL PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    type TEXT NOT NULL,
    records_synced INTEGER NOT NULL,
    records_failed INTEGER NOT NULL,
    error TEXT NULL,
    started_at TEXT NOT NULL,
    completed_at TEXT NULL,
    status TEXT NOT NULL
);
CREATE INDEX "IX_sync_log_workspace_id_started_at" ON sync_log (workspace_id, started_at);

CREATE TABLE call_daily_aggregates (
    workspace_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    day TEXT NOT NULL,
    total_calls INTEGER NOT NULL, completed INTEGER NOT NULL, busy INTEGER NOT NULL, no_answer INTEGER NOT NULL,
    machine_detected INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, expired INTEGER NOT NULL,
    amd_human INTEGER NOT NULL, amd_machine INTEGER NOT NULL, amd_unknown INTEGER NOT NULL,
    total_duration_secs INTEGER NOT NULL, billable_minutes REAL NOT NULL,
    cost_twilio REAL NOT NULL, cost_eleven_labs REAL NOT NULL, estimated_savings REAL NOT NULL,
    quality_samples INTEGER NOT NULL, mos_sum REAL NOT NULL, jitter_sum REAL NOT NULL, packet_loss_sum REAL NOT NULL,
    quality_excellent INTEGER NOT NULL, quality_good INTEGER NOT NULL, quality_fair INTEGER NOT NULL, quality_poor INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, agent_id, day)
);

CREATE TABLE campaign_daily_aggregates (
    workspace_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    day TEXT NOT NULL,
    total_calls INTEGER NOT NULL, completed INTEGER NOT NULL, busy INTEGER NOT NULL, no_answer INTEGER NOT NULL,
    machine_detected INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL, expired INTEGER NOT NULL,
    amd_human INTEGER NOT NULL, amd_machine INTEGER NOT NULL, amd_unknown INTEGER NOT NULL,
    total_duration_secs INTEGER NOT NULL, billable_minutes REAL NOT NULL,
    cost_twilio REAL NOT NULL, cost_eleven_labs REAL NOT NULL, estimated_savings REAL NOT NULL,
    quality_samples INTEGER NOT NULL, mos_sum REAL NOT NULL, jitter_sum REAL NOT NULL, packet_loss_sum REAL NOT NULL,
    quality_excellent INTEGER NOT NULL, quality_good INTEGER NOT NULL, quality_fair INTEGER NOT NULL, quality_poor INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, campaign_id, day)
);
