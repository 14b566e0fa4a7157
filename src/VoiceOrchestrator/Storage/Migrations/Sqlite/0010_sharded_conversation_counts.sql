-- Keep in step with Postgres/0010_sharded_conversation_counts.sql. PostgreSQL spreads its
-- conversation counters over shards so that concurrent inserts do not queue on one row; SQLite has
-- one writer at a time and keeps every count in shard 0. Readers sum the shards on both.
ALTER TABLE conversation_counts ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
