//! Export tabs: the core's renderings (bash, PowerShell, ARM, Bicep, Terraform, Cilium values,
//! Calico), with copy to clipboard (and a selectable fallback) and download. The renderings come
//! from the export renderer worker ([`crate::exports`]), started when the panel first comes
//! near the viewport.

use std::rc::Rc;

use byocni_core::Format;
use gloo::timers::callback::Timeout;
use yew::prelude::*;

use super::{write_clipboard, SamePlan, StateHandle};
use crate::exports::{when_near_view, Rendered, Renderer};
use crate::state::Action;

/// Offers `text` as a file download.
pub fn download(name: &str, text: &str, mime: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(doc) = window.document() else { return };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        if let Some(body) = doc.body() {
            let _ = body.append_child(&a);
            if let Some(el) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&a) {
                el.click();
            }
            let _ = body.remove_child(&a);
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Selects the text of an element, for a manual copy.
fn select(el: &web_sys::Element) {
    let Some(sel) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) else {
        return;
    };
    if let Ok(range) = web_sys::window()
        .and_then(|w| w.document())
        .map_or(Err(()), |d| d.create_range().map_err(|_| ()))
    {
        let _ = range.select_node_contents(el);
        let _ = sel.remove_all_ranges();
        let _ = sel.add_range(&range);
    }
}

/// How long the edits must pause before the export is rendered again.
const RENDER_DELAY_MS: u32 = 100;

/// What the panel shows.
#[derive(Clone)]
enum Shown {
    /// Nothing yet (the worker starts when the panel comes near the viewport).
    Waiting,
    /// The latest rendering (maybe of an earlier plan, while a newer one is on its way).
    Text(Rendered),
    /// The renderer could not start.
    Failed(String),
}

/// What to do with the rendering of the current plan once it arrives: a Copy or Download
/// clicked while it was on its way acts on it, never on an earlier plan's.
#[derive(Clone, Copy, PartialEq)]
enum Then {
    Copy,
    Download,
}

/// Copies `text` (the `label` export), or selects it in `pre` for a manual copy where the
/// browser refuses.
fn copy_text(state: StateHandle, label: &'static str, text: String, pre: NodeRef) {
    wasm_bindgen_futures::spawn_local(async move {
        if write_clipboard(&text).await {
            state.dispatch(Action::Notice(format!("Copied the {label} export."), false));
        } else {
            if let Some(el) = pre.cast::<web_sys::Element>() {
                select(&el);
            }
            state.dispatch(Action::Notice(
                "The browser refused the clipboard: the text is selected, press Ctrl+C (Cmd+C)."
                    .into(),
                true,
            ));
        }
    });
}

/// Does `then` with a fresh rendering.
fn act(then: Then, state: &StateHandle, r: &Rendered, pre: &NodeRef) {
    match then {
        Then::Copy => copy_text(state.clone(), r.format.label(), r.text.clone(), pre.clone()),
        Then::Download => download(r.format.file_name(), &r.text, "text/plain"),
    }
}

/// The export panel, as a hook of the app's component (not a component of its own: each
/// component type costs the first load its own machinery, and the panel re-renders with the
/// state anyway).
#[hook]
pub fn use_export(state: &StateHandle) -> Html {
    let state = state.clone();
    let forced = state.report.has_errors();
    let section = use_node_ref();
    let pre = use_node_ref();
    let near = use_state(|| false);
    let shown = use_state(|| Shown::Waiting);
    let renderer = use_mut_ref(|| None::<Renderer>);
    let then = use_mut_ref(|| None::<Then>);
    let fresh = match &*shown {
        Shown::Text(r) => Rc::ptr_eq(&r.plan, &state.plan) && r.format == state.tab,
        _ => false,
    };

    // Start rendering when the panel first comes near the viewport.
    {
        let (section, near) = (section.clone(), near.clone());
        use_effect_with((), move |()| {
            let watch = section
                .cast::<web_sys::Element>()
                .and_then(|el| when_near_view(&el, move || near.set(true)));
            move || drop(watch)
        });
    }
    // Then render the plan whenever it or the tab changes, once the edits pause: serialising a
    // plan of 10,000 networks for the worker takes milliseconds, which stay out of the edit's
    // frame (the worker answers asynchronously).
    let pending = use_mut_ref(|| None::<Timeout>);
    {
        let (renderer, shown) = (renderer.clone(), shown.clone());
        use_effect_with(
            (*near, SamePlan(state.plan.clone()), state.tab),
            move |(near, plan, tab)| {
                if !*near {
                    return;
                }
                let (plan, tab) = (plan.0.clone(), *tab);
                let render = move || {
                    let mut renderer = renderer.borrow_mut();
                    if renderer.is_none() {
                        let on_text = {
                            let shown = shown.clone();
                            Callback::from(move |r: Result<Rendered, String>| {
                                shown.set(r.map_or_else(Shown::Failed, Shown::Text));
                            })
                        };
                        match Renderer::start(on_text) {
                            Ok(started) => *renderer = Some(started),
                            Err(e) => shown.set(Shown::Failed(e)),
                        }
                    }
                    if let Some(r) = renderer.as_ref() {
                        r.request(plan, tab);
                    }
                };
                // A newer edit replaces (and so cancels) the waiting one.
                *pending.borrow_mut() = Some(Timeout::new(RENDER_DELAY_MS, render));
            },
        );
    }
    // A Copy or Download that waited for this rendering.
    {
        let (state, shown, then, pre) = (state.clone(), shown.clone(), then.clone(), pre.clone());
        use_effect_with(fresh, move |fresh| {
            if let (true, Shown::Text(r)) = (*fresh, &*shown) {
                if let Some(t) = then.borrow_mut().take() {
                    act(t, &state, r, &pre);
                }
            }
        });
    }
    let on = |t: Then| {
        let (state, shown, then, pre) = (state.clone(), shown.clone(), then.clone(), pre.clone());
        Callback::from(move |_| match &*shown {
            Shown::Text(r) if fresh => act(t, &state, r, &pre),
            _ => *then.borrow_mut() = Some(t),
        })
    };
    let (text, started) = match &*shown {
        Shown::Text(r) => (r.text.as_str(), true),
        Shown::Failed(e) => (e.as_str(), false),
        Shown::Waiting => ("Rendering the export...", false),
    };
    html! {
        <section class="panel export" aria-labelledby="export-h" ref={section}>
            <h2 id="export-h">{ "Export" }</h2>
            <div role="tablist" class="tabs" aria-label="Export format">
                { for Format::ALL.iter().map(|f| {
                    let selected = *f == state.tab;
                    let onclick = { let (state, f) = (state.clone(), *f); Callback::from(move |_| state.dispatch(Action::Tab(f))) };
                    html! { <button role="tab" id={format!("tab-{}", f.id())} aria-selected={selected.to_string()} aria-controls="export-text"
                                    tabindex={if selected { "0" } else { "-1" }} {onclick}>{ f.label() }</button> }
                }) }
            </div>
            if forced {
                <p class="banner">{ "The plan has errors: this export is rendered anyway and lists them at the top. Fix them before running it." }</p>
            }
            <div class="export-actions">
                <button id="copy-export" onclick={on(Then::Copy)} disabled={!started}>{ "Copy" }</button>
                <button id="download-export" onclick={on(Then::Download)} disabled={!started}>{ format!("Download {}", state.tab.file_name()) }</button>
            </div>
            <pre id="export-text" ref={pre} role="tabpanel" aria-busy={(!fresh).to_string()} aria-labelledby={format!("tab-{}", state.tab.id())} tabindex="0">{ text }</pre>
        </section>
    }
}
