//! End-to-end tests: provision.
