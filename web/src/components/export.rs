//! Export tabs: the core's renderings (bash, PowerShell, ARM, Bicep, Terraform, Cilium values,
//! Calico, the design document in Markdown), with copy to clipboard (and a selectable fallback)
//! and download; and the hand-over files: the design document as a printable HTML page (opened
//! in a new tab or downloaded) and the address map as SVG and PNG. The renderings come
//! from the export renderer worker ([`crate::exports`]), started when the panel first comes
//! near the viewport.

use std::rc::Rc;

use byocni_core::{Format, Plan};
use gloo::timers::callback::Timeout;
use yew::prelude::*;

use super::{write_clipboard, SamePlan, StateHandle};
use crate::exports::{when_near_view, Rendered, Renderer};
use crate::state::Action;

/// `text` as a `Blob` of type `mime`.
pub fn blob_of(text: &str, mime: &str) -> Option<web_sys::Blob> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()
}

/// Offers `text` as a file download.
pub fn download(name: &str, text: &str, mime: &str) {
    if let Some(blob) = blob_of(text, mime) {
        download_blob(name, &blob);
    }
}

/// Offers `blob` as a file download.
pub fn download_blob(name: &str, blob: &web_sys::Blob) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
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

/// The hand-over buttons' one click handler (one closure for the four: a smaller wasm). The
/// button's `data-save` names what the worker renders (`map-png`, or a format's id); `data-open`
/// opens it in a new tab instead of downloading it: the tab opens at once (a browser lets a click
/// open one; later it would be a blocked pop-up), the document follows from the worker.
fn hand_over(state: &StateHandle) -> Callback<MouseEvent> {
    let state = state.clone();
    Callback::from(move |e: MouseEvent| {
        let Some(button) = e
            .target_dyn_into::<web_sys::Element>()
            .and_then(|t| t.closest("[data-save]").ok().flatten())
        else {
            return;
        };
        let kind = button.get_attribute("data-save").unwrap_or_default();
        let tab = if button.has_attribute("data-open") {
            web_sys::window().and_then(|w| w.open_with_url_and_target("", "_blank").ok().flatten())
        } else {
            None
        };
        let state = state.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if !crate::exports::save(&kind, &state.plan, tab).await {
                state.dispatch(Action::Notice(
                    "The export renderer did not answer: reload the page to try again.".into(),
                    true,
                ));
            }
        });
    })
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
        Then::Download => download(r.format.file_name(), &r.text, r.format.mime()),
    }
}

/// What the panel's elements show for `shown` while `plan` (in `tab`) is on screen: the text,
/// whether it is busy (not yet the rendering of that plan), and the buttons' state. Written to
/// the elements directly, not through a state of the app: the worker's answers then re-render
/// nothing, so text being typed into a field is never reset under the user's fingers.
/// `painted` is the text last written (its address: comparing a large text with the page's at
/// every render would cost an edit of a large plan its frame).
fn paint(shown: &Shown, fresh: bool, painted: &mut usize, pre: &NodeRef, buttons: [&NodeRef; 2]) {
    if let Some(el) = pre.cast::<web_sys::Element>() {
        let text = match shown {
            Shown::Text(r) => r.text.as_str(),
            Shown::Failed(e) => e.as_str(),
            Shown::Waiting => "Rendering the export...",
        };
        if *painted != text.as_ptr() as usize {
            *painted = text.as_ptr() as usize;
            el.set_text_content(Some(text));
        }
        let _ = el.set_attribute("aria-busy", if fresh { "false" } else { "true" });
    }
    for b in buttons {
        if let Some(el) = b.cast::<web_sys::Element>() {
            let _ = if matches!(shown, Shown::Text(_)) {
                el.remove_attribute("disabled")
            } else {
                el.set_attribute("disabled", "")
            };
        }
    }
}

/// The rendering in `shown`, when it is of `plan` in `tab`.
fn fresh_of<'a>(shown: &'a Shown, plan: &Rc<Plan>, tab: Format) -> Option<&'a Rendered> {
    match shown {
        Shown::Text(r) if Rc::ptr_eq(&r.plan, plan) && r.format == tab => Some(r),
        _ => None,
    }
}

/// The export panel, as a hook of the app's component (not a component of its own: each
/// component type costs the first load its own machinery). What the worker renders goes to the
/// panel's elements directly ([`paint`]), so the app does not re-render for it.
#[hook]
pub fn use_export(state: &StateHandle) -> Html {
    let state = state.clone();
    let forced = state.report.has_errors();
    let section = use_node_ref();
    let pre = use_node_ref();
    let copy = use_node_ref();
    let save = use_node_ref();
    let shown = use_mut_ref(|| Shown::Waiting);
    // The plan and tab on screen, as of the latest render.
    let now = use_mut_ref(|| (state.plan.clone(), state.tab));
    *now.borrow_mut() = (state.plan.clone(), state.tab);
    let renderer = use_mut_ref(|| None::<Renderer>);
    let then = use_mut_ref(|| None::<Then>);

    // Shows `shown`, and does a Copy or Download that waited for this rendering.
    let painted = use_mut_ref(|| 0_usize);
    let show = {
        let (state, shown, now, then) = (state.clone(), shown.clone(), now.clone(), then.clone());
        let (pre, copy, save) = (pre.clone(), copy.clone(), save.clone());
        Rc::new(move || {
            let shown = shown.borrow();
            let (plan, tab) = &*now.borrow();
            let fresh = fresh_of(&shown, plan, *tab);
            paint(
                &shown,
                fresh.is_some(),
                &mut painted.borrow_mut(),
                &pre,
                [&copy, &save],
            );
            if let Some(r) = fresh {
                if let Some(t) = then.borrow_mut().take() {
                    act(t, &state, r, &pre);
                }
            }
        })
    };
    // Renders the plan on screen (starting the worker the first time).
    let request = {
        let (renderer, shown, now, show) =
            (renderer.clone(), shown.clone(), now.clone(), show.clone());
        Rc::new(move || {
            let mut renderer = renderer.borrow_mut();
            if renderer.is_none() {
                let on_text = {
                    let (shown, show) = (shown.clone(), show.clone());
                    Callback::from(move |r: Result<Rendered, String>| {
                        *shown.borrow_mut() = r.map_or_else(Shown::Failed, Shown::Text);
                        show();
                    })
                };
                match Renderer::start(on_text) {
                    Ok(started) => *renderer = Some(started),
                    Err(e) => {
                        *shown.borrow_mut() = Shown::Failed(e);
                        show();
                    }
                }
            }
            if let Some(r) = renderer.as_ref() {
                let (plan, tab) = now.borrow().clone();
                r.request(plan, tab);
            }
        })
    };
    // Start rendering when the panel first comes near the viewport.
    let near = use_mut_ref(|| false);
    {
        let (section, near, request) = (section.clone(), near.clone(), request.clone());
        use_effect_with((), move |()| {
            let watch = section.cast::<web_sys::Element>().and_then(|el| {
                when_near_view(&el, move || {
                    *near.borrow_mut() = true;
                    request();
                })
            });
            move || drop(watch)
        });
    }
    // Then render the plan whenever it or the tab changes, once the edits pause: serialising a
    // plan of 10,000 networks for the worker takes milliseconds, which stay out of the edit's
    // frame (the worker answers asynchronously).
    let pending = use_mut_ref(|| None::<Timeout>);
    {
        let (near, request) = (near.clone(), request.clone());
        use_effect_with((SamePlan(state.plan.clone()), state.tab), move |_| {
            if *near.borrow() {
                // A newer edit replaces (and so cancels) the waiting one.
                *pending.borrow_mut() = Some(Timeout::new(RENDER_DELAY_MS, move || request()));
            }
        });
    }
    // After every render of the app: the panel's elements for the plan now on screen.
    {
        let show = show.clone();
        use_effect(move || show());
    }
    // A click decides a tick later: an edit committed by the same click (the field's change on
    // blur) has re-rendered the page by then, so Copy never takes the previous plan's text.
    let on = |t: Then| {
        let (state, shown, now, then, pre) = (
            state.clone(),
            shown.clone(),
            now.clone(),
            then.clone(),
            pre.clone(),
        );
        Callback::from(move |_| {
            let (state, shown, now, then, pre) = (
                state.clone(),
                shown.clone(),
                now.clone(),
                then.clone(),
                pre.clone(),
            );
            Timeout::new(0, move || {
                let (plan, tab) = &*now.borrow();
                match fresh_of(&shown.borrow(), plan, *tab) {
                    Some(r) => act(t, &state, r, &pre),
                    None => *then.borrow_mut() = Some(t),
                }
            })
            .forget();
        })
    };
    html! {
        <section class="panel export" aria-labelledby="export-h" ref={section}>
            <h2 id="export-h">{ "Export" }</h2>
            <div role="tablist" class="tabs" aria-label="Export format">
                { for Format::TABS.iter().map(|f| {
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
                <button id="copy-export" ref={copy} onclick={on(Then::Copy)}>{ "Copy" }</button>
                <button id="download-export" ref={save} onclick={on(Then::Download)}>{ format!("Download {}", state.tab.file_name()) }</button>
            </div>
            <div class="export-actions" role="group" aria-label="Hand over" onclick={hand_over(&state)}>
                <button id="open-design-html" data-save="design-html" data-open="">{ "Open printable design (HTML)" }</button>
                <button id="download-design-html" data-save="design-html">{ "Download design (HTML)" }</button>
                <button id="download-map-svg" data-save="map-svg">{ "Download map (SVG)" }</button>
                <button id="download-map-png" data-save="map-png">{ "Download map (PNG)" }</button>
            </div>
            <pre id="export-text" ref={pre} role="tabpanel" aria-labelledby={format!("tab-{}", state.tab.id())} tabindex="0"></pre>
        </section>
    }
}
