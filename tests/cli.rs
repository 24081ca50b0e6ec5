//! End-to-end tests: cli.
