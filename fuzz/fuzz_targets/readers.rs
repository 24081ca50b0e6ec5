//! libFuzzer target over the readers of user text alone (addresses, CIDRs, max surge, the plan
//! file): see `byocni_tests::fuzz::fuzz_readers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| byocni_tests::fuzz::fuzz_readers(data));
