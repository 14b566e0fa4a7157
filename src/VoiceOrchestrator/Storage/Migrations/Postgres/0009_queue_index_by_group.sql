-- The dispatcher reads a group's next calls (one workspace, campaign, batch and lane, highest
-- priority first, then oldest). Keyed by lane alone, the queue index made that read step over the
-- queued calls of every other group first, so its cost grew with the whole queue; keyed by group it
-- reads only the rows it returns. Workspace-wide counts of queued calls use its first column too.
DROP INDEX ix_calls_queue;
CREATE INDEX ix_calls_queue ON calls (workspace_id, campaign_id, batch_id, lane, priority DESC, id) WHERE state = 'queued';
