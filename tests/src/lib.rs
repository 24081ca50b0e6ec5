//! Shared helpers for byocni's end-to-end tests.
