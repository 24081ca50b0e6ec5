//! End-to-end tests: az_parser.
