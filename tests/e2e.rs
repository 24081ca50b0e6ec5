//! byocni's one end-to-end test binary: every module below is a feature area.

#[test]
fn example_plan_parses() {
    assert_eq!(byocni_core::Plan::example().version, 1);
}
