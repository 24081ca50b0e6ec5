//! End-to-end tests: fuzz_replay.
