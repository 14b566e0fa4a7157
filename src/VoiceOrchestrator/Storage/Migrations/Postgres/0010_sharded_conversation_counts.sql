-- Every webhook's conversation insert added one to the same (workspace, status) counter row, so
-- concurrent inserts queued on that row's lock until each other's commit. Each server process now
-- counts in a shard of its own (its process id modulo 16); a count is the sum of its shards, and a
-- shard may go below zero when another one holds the rows it removes.
ALTER TABLE conversation_counts ADD COLUMN shard integer NOT NULL DEFAULT 0;
ALTER TABLE conversation_counts DROP CONSTRAINT conversation_counts_pkey;
ALTER TABLE conversation_counts ADD PRIMARY KEY (workspace_id, status, shard);

CREATE OR REPLACE FUNCTION conversations_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    own_shard integer := pg_backend_pid() % 16;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO conversation_counts (workspace_id, status, shard, conversations) VALUES (OLD.workspace_id, OLD.status, own_shard, -1)
        ON CONFLICT (workspace_id, status, shard) DO UPDATE SET conversations = conversation_counts.conversations - 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO conversation_counts (workspace_id, status, shard, conversations) VALUES (NEW.workspace_id, NEW.status, own_shard, 1)
        ON CONFLICT (workspace_id, status, shard) DO UPDATE SET conversations = conversation_counts.conversations + 1;
    END IF;
    RETURN NULL;
END;
$$;
