-- Conversation listing at a million rows. Pages walk (workspace, started_at, conversation_id) in
-- index order, newest first; a search by number reads its own index already in date order.
DROP INDEX ix_conversations_workspace_started;
DROP INDEX ix_conversations_workspace_callee;
DROP INDEX ix_conversations_workspace_caller;
CREATE INDEX ix_conversations_workspace_started ON conversations (workspace_id, started_at, conversation_id);
CREATE INDEX ix_conversations_workspace_callee ON conversations (workspace_id, callee_number, started_at);
CREATE INDEX ix_conversations_workspace_caller ON conversations (workspace_id, caller_number, started_at);

-- Paging totals and counts by status come from counters the database keeps itself, so that no
-- request counts a million rows. Triggers see every writer (sync, webhook, retention, psql).
CREATE TABLE conversation_counts (
    workspace_id TEXT NOT NULL,
    status TEXT NOT NULL,
    conversations INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, status)
);
INSERT INTO conversation_counts (workspace_id, status, conversations)
SELECT workspace_id, status, COUNT(*) FROM conversations GROUP BY workspace_id, status;

CREATE TRIGGER conversations_counted_on_insert AFTER INSERT ON conversations
BEGIN
    INSERT INTO conversation_counts (workspace_id, status, conversations) VALUES (NEW.workspace_id, NEW.status, 1)
    ON CONFLICT (workspace_id, status) DO UPDATE SET conversations = conversations + 1;
END;

CREATE TRIGGER conversations_counted_on_delete AFTER DELETE ON conversations
BEGIN
    UPDATE conversation_counts SET conversations = conversations - 1 WHERE workspace_id = OLD.workspace_id AND status = OLD.status;
END;

CREATE TRIGGER conversations_counted_on_update AFTER UPDATE OF workspace_id, status ON conversations
WHEN OLD.workspace_id <> NEW.workspace_id OR OLD.status <> NEW.status
BEGIN
    UPDATE conversation_counts SET conversations = conversations - 1 WHERE workspace_id = OLD.workspace_id AND status = OLD.status;
    INSERT INTO conversation_counts (workspace_id, status, conversations) VALUES (NEW.workspace_id, NEW.status, 1)
    ON CONFLICT (workspace_id, status) DO UPDATE SET conversations = conversations + 1;
END;
