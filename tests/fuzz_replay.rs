//! Replays the fuzz corpus (`fuzz/corpus/plan/`, committed) and the fixtures through the fuzz
//! harness on stable, so every input the fuzzer ever kept stays a regression test.

use byocni_tests::{fuzz, workspace_root};

#[test]
fn fuzz_corpus_replays_clean() {
    let dir = workspace_root().join("fuzz").join("corpus").join("plan");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/plan exists") {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).expect("read corpus file");
        fuzz::fuzz_one(&data);
        n += 1;
    }
    assert!(
        n >= 10,
        "expected a corpus in {}, found {n} inputs",
        dir.display()
    );
}

#[test]
fn fixtures_pass_the_harness() {
    let dir = workspace_root().join("tests").join("fixtures");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures exists") {
        let path = entry.expect("fixture").path();
        if path.extension().is_some_and(|e| e == "json") {
            let mut data = vec![0u8];
            data.extend(std::fs::read(&path).expect("read fixture"));
            fuzz::fuzz_one(&data);
            n += 1;
        }
    }
    assert!(n >= 1, "no fixtures found");
}

/// The structured estate mode (first byte 3 mod 4) on a spread of fixed inputs: edits of the
/// estate fixtures go through the estate pipeline without breaking an invariant.
#[test]
fn structured_estates_pass_the_harness() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let mut data = vec![3u8];
        for _ in 0..200 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.push(state.to_le_bytes()[0]);
        }
        fuzz::fuzz_one(&data);
    }
}
