//! libFuzzer target over the whole planning pipeline: see `byocni_tests::fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| byocni_tests::fuzz::fuzz_one(data));
