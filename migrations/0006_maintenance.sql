-- When housekeeping (core::maintenance) last ran, so that platforms without a timer run it at
-- most once per interval from a route they already call.
CREATE TABLE maintenance_runs (
    name     TEXT PRIMARY KEY,
    last_run INTEGER NOT NULL
);
