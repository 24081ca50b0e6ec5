//! The `byocni` binary: placeholder until the CLI lands.

fn main() {
    println!("{}", byocni_core::Plan::example().to_json());
}
