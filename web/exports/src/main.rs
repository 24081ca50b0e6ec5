//! The web planner's export renderer, run in a Web Worker (`data-type="worker"` in
//! `index.html`): the planner posts `[id, format, plan JSON]`, the worker answers `[id, text]`
//! with the core's rendering, and `"ready"` once, when it listens. Asked for the format
//! `plan-error`, it answers why the text is not a plan, naming the field (this build of the core
//! has `path-errors`; the planner's page does not), or nothing when it is one; asked for
//! `explain` with a rule's id, the rule's explanation (whose texts stay out of the page's wasm);
//! asked for `ranges-csv`, the plan's ranges as CSV; asked for `estate-*`, it holds and edits
//! the planner's open estate (plan version 2, [`estate`]).
//!
//! The renderers (seven formats) are a tenth of the planner's wasm and nothing needs them to plan;
//! in a worker they load only when the export panel first comes into view, and rendering never
//! holds up an edit's frame (see `web/src/exports.rs`, the planner's side).

use byocni_core::check::explain::explain;
use byocni_core::render::{render_checked, Format, RenderOptions};
use byocni_core::{check, Cidr, Plan, Rule};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

mod estate;

/// The text the export panel shows for a plan (as compact JSON) in a format (its `--format`
/// spelling): the rendering, forced when the plan has errors (they are listed at its top).
fn render(format: &str, plan: &str) -> String {
    if format == EXPLAIN {
        return Rule::from_id(plan).map_or_else(
            || format!("byocni has no rule `{plan}`"),
            |r| explain(r).to_owned(),
        );
    }
    if format == RANGES_CSV {
        return Plan::from_json(plan).map_or_else(|e| e.to_string(), |p| ranges_csv(&p));
    }
    if format == PLAN_ERROR {
        return Plan::from_json(plan)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
    }
    let Some(format) = Format::from_id(format) else {
        return format!("byocni cannot render the format `{format}`");
    };
    let plan = match Plan::from_json(plan) {
        Ok(plan) => plan,
        Err(e) => return e.to_string(),
    };
    let report = check(&plan);
    render_checked(&plan, &report, format, RenderOptions { force: true })
        .unwrap_or_else(|e| e.to_string())
}

/// Talc instead of the standard library's dlmalloc: smaller and faster.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The request for the plan's ranges as CSV.
const RANGES_CSV: &str = "ranges-csv";

/// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or
/// `@` is prefixed with `'` so that a spreadsheet does not run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The plan's ranges, one CSV row each: kind, name, CIDR, first and last address, size.
fn ranges_csv(plan: &Plan) -> String {
    let mut out = String::from("kind,name,cidr,first,last,addresses\n");
    let mut row = |kind: &str, name: &str, cidr: &str| {
        let (first, last, size) = Cidr::parse_lenient(cidr).map_or_else(Default::default, |c| {
            (
                c.network().to_string(),
                c.broadcast().to_string(),
                c.size().to_string(),
            )
        });
        out += &format!(
            "{kind},{},{},{first},{last},{size}\n",
            csv_field(name),
            csv_field(cidr)
        );
    };
    let vnet_name = plan.vnet.as_ref().map_or("managed", |v| v.name.as_str());
    for space in plan.vnet_address_space() {
        row("vnet", vnet_name, space);
    }
    for s in plan.vnet.iter().flat_map(|v| &v.subnets) {
        row("subnet", &s.name, &s.cidr);
    }
    if let Some(p) = &plan.pod_cidr {
        row("pods", "pod CIDR", p);
    }
    row("services", "service CIDR", plan.effective_service_cidr());
    for n in &plan.connected_networks {
        row("connected", &n.name, &n.cidr);
    }
    out
}

/// The request for why a text is not a plan.
const PLAN_ERROR: &str = "plan-error";
/// The request for a rule's explanation (the text of `byocni explain RULE`), the rule's id in
/// the place of the plan.
const EXPLAIN: &str = "explain";

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let request = js_sys::Array::from(&e.data());
        let (id, format, plan) = (request.get(0), request.get(1), request.get(2));
        // The planner's estate session (plan version 2): answered `[id, meta, plan, text, html]`.
        if let Some(kind) = format.as_string().filter(|k| k.starts_with("estate-")) {
            let a = estate::handle(&kind, &plan.as_string().unwrap_or_default());
            let answer = js_sys::Array::of5(
                &id,
                &a.meta.into(),
                &a.plan.into(),
                &a.text.into(),
                &a.html.into(),
            );
            let _ = replies.post_message(&answer);
            return;
        }
        let text = render(
            &format.as_string().unwrap_or_default(),
            &plan.as_string().unwrap_or_default(),
        );
        let _ = replies.post_message(&js_sys::Array::of2(&id, &text.into()));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page: its handler too.
    on_message.forget();
    let _ = scope.post_message(&"ready".into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_as_csv() {
        let mut plan = Plan::example();
        plan.connected_networks[0].name = "=cmd, \"x\"".into();
        let csv = render(RANGES_CSV, &plan.to_json_compact());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "kind,name,cidr,first,last,addresses");
        assert!(
            lines.contains(&"pods,pod CIDR,10.10.0.0/16,10.10.0.0,10.10.255.255,65536"),
            "{csv}"
        );
        assert!(
            csv.contains("connected,\"'=cmd, \"\"x\"\"\",192.168.0.0/16,"),
            "{csv}"
        );
    }

    #[test]
    fn renders_a_plan_in_each_format_and_says_what_it_cannot() {
        let plan = Plan::example().to_json_compact();
        for f in Format::ALL {
            let text = render(f.id(), &plan);
            assert!(text.len() > 100, "{}: {text}", f.id());
        }
        assert!(render("bash", &plan).contains("--network-plugin none"));
        assert!(render("yaml", &plan).contains("cannot render the format `yaml`"));
        assert!(render("bash", "{}").contains("version"));
    }

    #[test]
    fn says_where_a_plan_file_goes_wrong() {
        let bad = r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"nodePools":[{"name":"p","count":"three"}]}"#;
        let why = render(PLAN_ERROR, bad);
        assert!(
            why.starts_with("plan file, at `nodePools[0].count`: invalid type"),
            "{why}"
        );
        assert_eq!(render(PLAN_ERROR, &Plan::example().to_json_compact()), "");
    }

    #[test]
    fn a_plan_with_errors_is_rendered_with_them_listed() {
        let mut plan = Plan::example();
        plan.service_cidr = plan.pod_cidr.clone();
        let text = render("bash", &plan.to_json_compact());
        assert!(text.contains("--network-plugin none"), "{text}");
        assert!(text.contains("found 2 error(s)"), "{text}");
        assert!(text.contains("error[pod-cidr-overlap]"), "{text}");
    }
}
