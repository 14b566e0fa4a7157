-- Which provider dials a call: NULL is ElevenLabs (the default), 'generic' the AI Call Orchestrator's
-- generic provider. Chosen at intake, so that a call keeps its provider when configuration changes.
ALTER TABLE calls ADD COLUMN provider text NULL;
