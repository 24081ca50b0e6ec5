//! The byocni web planner: placeholder until the web crate lands.

fn main() {}
