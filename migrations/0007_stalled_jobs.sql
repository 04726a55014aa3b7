-- The housekeeping sweep looks for jobs that stopped moving (core::maintenance::fail_stalled):
-- only unfinished jobs are in this index, oldest update first.
CREATE INDEX jobs_unfinished ON jobs (updated_at) WHERE status IN ('queued', 'metadata_ready');
