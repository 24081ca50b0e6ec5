//! byocni's one end-to-end test binary (see `../shared/style.md`, "one end-to-end test binary"):
//! each module is a feature area.

mod around;
mod az_parser;
mod cli;
mod discover;
mod formats;
mod fuzz_replay;
mod generated;
mod provision;
