//! Export tabs: the core's renderings (bash, PowerShell, ARM, Bicep, Terraform, Cilium values,
//! Calico), with copy to clipboard (and a selectable fallback) and download.

use byocni_core::render::render_checked;
use byocni_core::{Format, RenderOptions};
use yew::prelude::*;

use super::use_state_handle;
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

/// The export panel.
#[function_component(Export)]
pub fn export() -> Html {
    let state = use_state_handle();
    let forced = state.report.has_errors();
    let text = render_checked(
        &state.plan,
        &state.report,
        state.tab,
        RenderOptions { force: true },
    )
    .unwrap_or_else(|e| e.to_string());
    let pre = use_node_ref();
    let copy = {
        let (state, text, pre) = (state.clone(), text.clone(), pre.clone());
        Callback::from(move |_| {
            let (state, text, pre) = (state.clone(), text.clone(), pre.clone());
            let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
            wasm_bindgen_futures::spawn_local(async move {
                let ok = match clipboard {
                    Some(c) => wasm_bindgen_futures::JsFuture::from(c.write_text(&text))
                        .await
                        .is_ok(),
                    None => false,
                };
                if ok {
                    state.dispatch(Action::Notice(
                        format!("Copied the {} export.", state.tab.label()),
                        false,
                    ));
                } else {
                    if let Some(el) = pre.cast::<web_sys::Element>() {
                        select(&el);
                    }
                    state.dispatch(Action::Notice("The browser refused the clipboard: the text is selected, press Ctrl+C (Cmd+C).".into(), true));
                }
            });
        })
    };
    let save = {
        let (text, tab) = (text.clone(), state.tab);
        Callback::from(move |_| download(tab.file_name(), &text, "text/plain"))
    };
    html! {
        <section class="panel export" aria-labelledby="export-h">
            <h2 id="export-h">{ "Export" }</h2>
            <div role="tablist" class="tabs" aria-label="Export format">
                { for Format::ALL.iter().map(|f| {
                    let selected = *f == state.tab;
                    let onclick = { let (state, f) = (state.clone(), *f); Callback::from(move |_| state.dispatch(Action::Tab(f))) };
                    html! { <button role="tab" id={format!("tab-{}", f.id())} aria-selected={selected.to_string()} class={classes!(selected.then_some("selected"))} {onclick}>{ f.label() }</button> }
                }) }
            </div>
            if forced {
                <p class="banner" role="alert">{ "The plan has errors: this export is rendered anyway and lists them at the top. Fix them before running it." }</p>
            }
            <div class="export-actions">
                <button id="copy-export" onclick={copy}>{ "Copy" }</button>
                <button id="download-export" onclick={save}>{ format!("Download {}", state.tab.file_name()) }</button>
            </div>
            <pre id="export-text" ref={pre} role="tabpanel" aria-labelledby={format!("tab-{}", state.tab.id())} tabindex="0">{ text }</pre>
        </section>
    }
}
