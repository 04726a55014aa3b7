//! End-to-end tests live in `tests/`; they need a running hub (`scripts/e2e.sh` starts one).
