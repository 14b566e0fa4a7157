-- Provider ids are set only once a call is dialed: index the calls that have them, so that queuing
-- a large bulk does not write three index entries of NULL per call.
DROP INDEX ix_calls_conversation;
DROP INDEX ix_calls_provider_call;
DROP INDEX ix_calls_twilio_call_sid;
CREATE INDEX ix_calls_conversation ON calls (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX ix_calls_provider_call ON calls (provider_call_id) WHERE provider_call_id IS NOT NULL;
CREATE INDEX ix_calls_twilio_call_sid ON calls (twilio_call_sid) WHERE twilio_call_sid IS NOT NULL;
