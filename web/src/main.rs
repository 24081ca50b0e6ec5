//! Entry point of the web planner: mounts the Yew app on the page.

/// Talc instead of the standard library's dlmalloc: smaller (about 1 KB less gzip) and faster.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    byocni_web::start();
}
