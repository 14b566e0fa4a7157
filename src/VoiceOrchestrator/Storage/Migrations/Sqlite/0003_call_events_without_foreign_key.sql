-- PostgreSQL drops the call_events foreign key in this version (see its 0003). SQLite keeps it:
-- dropping a constraint there means rebuilding the table, and its check is a cheap primary-key
-- lookup inside the same file. This no-op keeps the version numbers of both databases aligned.
SELECT 1;
