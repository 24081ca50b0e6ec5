//! The planner's **Suggest** and **Fix all**, worked out here rather than on the page: the
//! core's `suggest` (and the free-space search behind it) is not needed for the first paint, so
//! it stays out of the page's wasm (see docs/benchmarks.md). The page asks with the plan as
//! compact JSON and reads the answer's text with `web/src/exports.rs`'s `work`:
//!
//! `<E|N><notice>\n<plan>`: `E` when the notice is an error, `N` when not; the plan, as compact
//! JSON, is the plan to put on screen (one undo step), or nothing when the plan stays.

use byocni_core::{apply_edit, check, suggest, Plan, Rule};

/// The request for the core's suggestion (the **Suggest** button, a missing pod CIDR's fix).
pub(crate) const SUGGEST: &str = "suggest";
/// The request for every mechanical fix ([`fix_all`], the **Fix all** button).
pub(crate) const FIX_ALL: &str = "fix-all";

/// The order in which fixes are applied: ranges others are placed in or checked against first
/// (the service CIDR before the DNS IP in it), then everything else in the report's order.
const FIX_ORDER: [&str; 5] = [
    "vnet.addressSpace",
    "vnet.subnets",
    "podCidr",
    "serviceCidr",
    "dnsServiceIP",
];

fn fix_rank(field: &str) -> usize {
    FIX_ORDER
        .iter()
        .position(|p| field.starts_with(p))
        .unwrap_or(FIX_ORDER.len())
}

/// Applies fixes one at a time, re-checking after each: the first fix in [`FIX_ORDER`], or, when
/// only a missing pod CIDR is left to fill, the core's suggestion. Stops when no fix is left, a
/// fix changes nothing or brings back an earlier plan (fixes that undo each other), or after 32
/// fixes. Returns the plan and how many fixes it took.
pub(crate) fn fix_all(plan: &Plan) -> (Plan, usize) {
    let mut plan = plan.clone();
    let mut seen: Vec<Plan> = Vec::new();
    while seen.len() < 32 {
        let report = check(&plan);
        let edit = report
            .findings
            .iter()
            .filter_map(|f| Some((fix_rank(&f.field), f.fix.as_ref()?.edit.as_ref()?)))
            .min_by_key(|(rank, _)| *rank);
        let next = match edit {
            Some((_, e)) => apply_edit(&plan, e).ok(),
            None if report
                .findings
                .iter()
                .any(|f| f.rule == Rule::PodCidrMissing) =>
            {
                suggest(&plan).ok().map(|s| s.plan)
            }
            None => None,
        };
        match next {
            Some(p) if p != plan && !seen.contains(&p) => {
                seen.push(std::mem::replace(&mut plan, p));
            }
            _ => break,
        }
    }
    let n = seen.len();
    (plan, n)
}

/// The answer to `kind` ([`SUGGEST`] or [`FIX_ALL`]) for the plan `text` (JSON), in the form
/// the module's documentation gives.
pub(crate) fn work(kind: &str, text: &str) -> String {
    let plan = match Plan::from_json(text) {
        Ok(plan) => plan,
        Err(e) => return format!("E{e}\n"),
    };
    if kind == FIX_ALL {
        let (plan, n) = fix_all(&plan);
        let (errors, warnings) = check(&plan).counts();
        let left = if errors + warnings == 0 {
            "no problems left.".to_owned()
        } else {
            format!("{errors} errors and {warnings} warnings need a decision of yours.")
        };
        return format!(
            "NFix all applied {n} fixes; {left}\n{}",
            plan.to_json_compact()
        );
    }
    match suggest(&plan) {
        Ok(s) if s.filled.is_empty() => "NNothing to fill: the plan names every range.\n".into(),
        Ok(s) => {
            let msg = s
                .filled
                .iter()
                .map(|f| format!("{} = {}", f.field, f.value))
                .collect::<Vec<_>>()
                .join("; ");
            format!("NFilled: {msg}\n{}", s.plan.to_json_compact())
        }
        Err(e) => format!("E{e}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer's notice, whether it is an error, and its plan.
    fn read(answer: &str) -> (String, bool, Option<Plan>) {
        let (head, plan) = answer.split_once('\n').unwrap();
        let plan = (!plan.is_empty()).then(|| Plan::from_json(plan).unwrap());
        (head[1..].to_owned(), head.starts_with('E'), plan)
    }

    #[test]
    fn suggest_fills_and_says_what() {
        let mut p = Plan::example();
        p.pod_cidr = None;
        let (notice, error, plan) = read(&work(SUGGEST, &p.to_json_compact()));
        assert!(!error);
        assert_eq!(plan.unwrap().pod_cidr.as_deref(), Some("10.244.0.0/16"));
        assert!(
            notice.starts_with("Filled: ") && notice.contains("podCidr"),
            "{notice}"
        );
        let (notice, error, plan) = read(&work(SUGGEST, &Plan::example().to_json_compact()));
        assert_eq!(
            (notice.as_str(), error, plan),
            ("Nothing to fill: the plan names every range.", false, None)
        );
        let (notice, error, plan) = read(&work(SUGGEST, "{"));
        assert!(error && plan.is_none() && !notice.is_empty());
    }

    #[test]
    fn fix_all_fixes_in_dependency_order_until_clean() {
        let mut p = Plan::example();
        p.pod_cidr = None;
        p.service_cidr = Some("10.224.0.0/16".into());
        p.dns_service_ip = Some("10.96.0.10".into());
        p.cluster.name = "bad name!".into();
        assert!(check(&p).counts().0 >= 4, "{:?}", check(&p).findings);
        let (notice, error, plan) = read(&work(FIX_ALL, &p.to_json_compact()));
        let plan = plan.unwrap();
        assert!(!error);
        assert_eq!(check(&plan).counts().0, 0, "{:?}", check(&plan).findings);
        assert!(plan.pod_cidr.is_some(), "the missing pod CIDR filled");
        assert!(notice.contains("no problems left"), "{notice}");
        // A clean plan: nothing to do.
        let (notice, _, same) = read(&work(FIX_ALL, &plan.to_json_compact()));
        assert!(notice.starts_with("Fix all applied 0 fixes"), "{notice}");
        assert_eq!(same, Some(plan));
    }
}
