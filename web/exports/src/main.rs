//! The web planner's export renderer, run in a Web Worker (`data-type="worker"` in
//! `index.html`): the planner posts `[id, kind, text]`, the worker answers `[id, body, file]`
//! and `"ready"` once, when it listens. Both cross as serde values (serde-wasm-bindgen):
//! [`Request`] is read from the planner's array, [`Answer`] written as one.
//!
//! - `kind` a format's `--format` spelling (`bash` ... `calico`, `design-md`, `design-html`,
//!   `map-svg`, `ranges-csv`), `text` the plan as JSON: `body` is the rendering, `file` the
//!   download's name and MIME type.
//! - `map-png`: `body` is the address map as a PNG `Blob`, painted on an `OffscreenCanvas` from
//!   the same layout as the SVG (`byocni_core::render::map_svg::layout`), so the page carries no
//!   drawing code.
//! - `plan-error`: why the text is not a plan, naming the field (this build of the core has
//!   `path-errors`; the planner's page does not), or nothing when it is one.
//! - `suggest`, `fix-all`: the plan after the core's suggestion or after every mechanical fix,
//!   with the notice to show ([`fix`], which gives the answer's form).
//! - `explain`, `text` a rule's id: the rule's explanation (whose texts stay out of the page's
//!   wasm).
//! - `estate-*`: the planner's open estate (plan version 2), held and edited here ([`estate`]),
//!   answered `[id, meta, plan, text, html]`.
//!
//! The renderers are a tenth of the planner's wasm and nothing needs them to plan; in a worker
//! they load only when the export panel first comes into view, and rendering never holds up an
//! edit's frame (see `web/src/exports.rs`, the planner's side).

mod fix;

use byocni_core::check::explain::explain;
use byocni_core::render::map_svg::{layout, Shape, INK, OVERLAP};
use byocni_core::render::{render_checked, Format, RenderOptions};
use byocni_core::{check, Plan, Rule};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, OffscreenCanvas};

mod estate;

/// The request for why a text is not a plan.
const PLAN_ERROR: &str = "plan-error";
/// The request for a rule's explanation (the text of `byocni explain RULE`), the rule's id in
/// the place of the plan.
const EXPLAIN: &str = "explain";
/// The request for the address map as PNG.
const MAP_PNG: &str = "map-png";
/// The PNG's file name.
const MAP_PNG_FILE: &str = "byocni-map.png";
/// The PNG's pixels per SVG pixel: sharp on a high-density screen and in print.
const PNG_SCALE: f64 = 2.0;

/// What the planner asks: `[id, kind, text]`.
#[derive(Debug, Deserialize)]
struct Request(u32, String, String);

/// A download's name and type, for the planner to save the body under.
#[derive(Debug, Serialize, PartialEq)]
struct File {
    name: &'static str,
    mime: &'static str,
}

/// The answer: `[id, body, file]`, the body a string or a `Blob` (kept as the JavaScript value
/// it is), `file` null for answers that are not downloads.
#[derive(Serialize)]
struct Answer(
    u32,
    #[serde(with = "serde_wasm_bindgen::preserve")] JsValue,
    Option<File>,
);

/// A text answer: the rendering of a plan (as compact JSON) in a format (its `--format`
/// spelling), forced when the plan has errors (they are listed at its top); or the answer to
/// `plan-error` or `explain`. The download's file goes with a rendering.
fn render(kind: &str, text: &str) -> (String, Option<File>) {
    if kind == EXPLAIN {
        let why = Rule::from_id(text).map_or_else(
            || format!("byocni has no rule `{text}`"),
            |r| explain(r).to_owned(),
        );
        return (why, None);
    }
    if kind == fix::SUGGEST || kind == fix::FIX_ALL {
        return (fix::work(kind, text), None);
    }
    if kind == PLAN_ERROR {
        let why = Plan::from_json(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        return (why, None);
    }
    let Some(format) = Format::from_id(kind) else {
        return (format!("byocni cannot render the format `{kind}`"), None);
    };
    let plan = match Plan::from_json(text) {
        Ok(plan) => plan,
        Err(e) => return (e.to_string(), None),
    };
    let report = check(&plan);
    match render_checked(&plan, &report, format, RenderOptions { force: true }) {
        Ok(t) => (
            t,
            Some(File {
                name: format.file_name(),
                mime: format.mime(),
            }),
        ),
        Err(e) => (e.to_string(), None),
    }
}

/// Paints the address map of `plan` (JSON) as a PNG: the shapes of the map's layout on an
/// `OffscreenCanvas`, white behind, ranges in overlaps outlined.
async fn map_png(plan: &str) -> Result<JsValue, String> {
    let plan = Plan::from_json(plan).map_err(|e| e.to_string())?;
    let map = layout(&plan, &check(&plan));
    let canvas = OffscreenCanvas::new(
        (map.width * PNG_SCALE) as u32,
        (map.height * PNG_SCALE) as u32,
    )
    .map_err(|_| "This browser has no OffscreenCanvas to draw the map on.".to_owned())?;
    let ctx: web_sys::OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("This browser cannot draw on an OffscreenCanvas.")?
        .unchecked_into();
    let _ = ctx.scale(PNG_SCALE, PNG_SCALE);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, map.width, map.height);
    for s in &map.shapes {
        match s {
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill,
                overlap,
                ..
            } => {
                ctx.set_fill_style_str(fill);
                ctx.fill_rect(*x, *y, *w, *h);
                if *overlap {
                    ctx.set_stroke_style_str(OVERLAP);
                    ctx.set_line_width(2.0);
                    ctx.stroke_rect(*x, *y, *w, *h);
                }
            }
            Shape::Text {
                x,
                y,
                text,
                size,
                bold,
                middle,
            } => {
                ctx.set_fill_style_str(INK);
                ctx.set_font(&format!(
                    "{}{size}px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
                    if *bold { "bold " } else { "" }
                ));
                ctx.set_text_align(if *middle { "center" } else { "left" });
                let _ = ctx.fill_text(text, *x, *y);
            }
        }
    }
    let options = web_sys::ImageEncodeOptions::new();
    options.set_type("image/png");
    let promise = canvas
        .convert_to_blob_with_options(&options)
        .map_err(|_| "This browser cannot encode the map as PNG.".to_owned())?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| "This browser could not encode the map as PNG.".to_owned())
}

/// Talc instead of the standard library's dlmalloc: smaller and faster.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Posts `answer` as a serde value (an array).
fn reply(scope: &DedicatedWorkerGlobalScope, answer: &Answer) {
    if let Ok(v) = serde_wasm_bindgen::to_value(answer) {
        let _ = scope.post_message(&v);
    }
}

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let Ok(Request(id, kind, text)) = serde_wasm_bindgen::from_value(e.data()) else {
            return;
        };
        // The planner's estate session (plan version 2): `[id, meta, plan, text, html]`.
        if kind.starts_with("estate-") {
            let a = estate::handle(&kind, &text);
            if let Ok(v) = serde_wasm_bindgen::to_value(&(id, a.meta, a.plan, a.text, a.html)) {
                let _ = replies.post_message(&v);
            }
            return;
        }
        if kind == MAP_PNG {
            let replies = replies.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = match map_png(&text).await {
                    Ok(blob) => Answer(
                        id,
                        blob,
                        Some(File {
                            name: MAP_PNG_FILE,
                            mime: "image/png",
                        }),
                    ),
                    Err(why) => Answer(id, why.into(), None),
                };
                reply(&replies, &answer);
            });
            return;
        }
        let (body, file) = render(&kind, &text);
        reply(&replies, &Answer(id, body.into(), file));
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
    fn the_ranges_as_csv_with_their_file() {
        let (csv, file) = render("ranges-csv", &Plan::example().to_json_compact());
        assert!(
            csv.starts_with("kind,name,cidr,first,last,addresses\n"),
            "{csv}"
        );
        assert_eq!(
            file,
            Some(File {
                name: "byocni-ranges.csv",
                mime: "text/csv;charset=utf-8"
            })
        );
    }

    #[test]
    fn the_design_document_and_the_map() {
        let plan = Plan::example().to_json_compact();
        let (md, file) = render("design-md", &plan);
        assert!(md.contains("# Design: AKS cluster myAKSCluster"), "{md}");
        assert_eq!(file.map(|f| f.name), Some("byocni-design.md"));
        let (html, _) = render("design-html", &plan);
        assert!(
            html.starts_with("<!DOCTYPE html>") && html.contains("<svg"),
            "{html}"
        );
        let (svg, file) = render("map-svg", &plan);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(file.map(|f| f.mime), Some("image/svg+xml"));
    }

    #[test]
    fn renders_a_plan_in_each_format_and_says_what_it_cannot() {
        let plan = Plan::example().to_json_compact();
        for f in Format::ALL {
            let (text, file) = render(f.id(), &plan);
            assert!(text.len() > 100, "{}: {text}", f.id());
            assert!(file.is_some(), "{}", f.id());
        }
        assert!(render("bash", &plan).0.contains("--network-plugin none"));
        assert!(render("yaml", &plan)
            .0
            .contains("cannot render the format `yaml`"));
        assert!(render("bash", "{}").0.contains("version"));
    }

    #[test]
    fn says_where_a_plan_file_goes_wrong() {
        let bad = r#"{"version":1,"cluster":{"name":"a","resourceGroup":"b","location":"c"},"nodePools":[{"name":"p","count":"three"}]}"#;
        let (why, file) = render(PLAN_ERROR, bad);
        assert!(
            why.starts_with("plan file, at `nodePools[0].count`: invalid type"),
            "{why}"
        );
        assert_eq!(file, None);
        assert_eq!(render(PLAN_ERROR, &Plan::example().to_json_compact()).0, "");
    }

    #[test]
    fn a_plan_with_errors_is_rendered_with_them_listed() {
        let mut plan = Plan::example();
        plan.service_cidr = plan.pod_cidr.clone();
        let (text, _) = render("bash", &plan.to_json_compact());
        assert!(text.contains("--network-plugin none"), "{text}");
        assert!(text.contains("found 2 error(s)"), "{text}");
        assert!(text.contains("error[pod-cidr-overlap]"), "{text}");
    }
}
