//! The page: header actions (suggest, share, download and upload the plan), the notice area,
//! and the panels. Owns the state reducer, provides it as context, autosaves the plan to
//! localStorage ([`crate::autosave`]) and loads a shared link (`#v1=...`) or the saved plan on
//! start.

use byocni_core::Plan;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::capacity::Capacity;
use super::editor::Editor;
use super::export::{download, Export};
use super::findings::Findings;
use super::json::JsonEditor;
use super::map::AddressMap;
use super::{plan_file_text, write_clipboard, SamePlan};
use crate::autosave::{self, Autosave};
use crate::exports::read_plan;
use crate::share;
use crate::state::{Action, State};

/// The starting state: the autosaved plan, else the seed example. A share link in the URL
/// (`#v1=...`) replaces it once decoded ([`open_shared_link`]).
fn initial() -> State {
    State::new(autosave::load().unwrap_or_else(Plan::example))
}

/// Opens the plan of a share link in the URL, if there is one. Decoding is asynchronous (the
/// browser inflates it); a broken link is reported and does not replace the saved plan.
fn open_shared_link(state: UseReducerHandle<State>) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if hash.len() <= 1 {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        state.dispatch(match share::decode(&hash).await {
            Ok(plan) => Action::Replace(Box::new(plan), Some("Opened the shared plan.".into())),
            Err(e) => Action::Notice(format!("{e}. Your saved plan is unchanged."), true),
        });
    });
}

/// The whole planner.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial);

    // Mark the moment the planner is on screen and usable (read by the browser benchmarks), and
    // open a share link.
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                let _ = p.mark("byocni-interactive");
            }
            open_shared_link(state);
        });
    }

    // Autosave every new plan.
    let saver = use_mut_ref(Autosave::default);
    {
        let saver = saver.clone();
        use_effect_with(SamePlan(state.plan.clone()), move |plan| {
            saver.borrow_mut().schedule(plan.0.clone());
        });
    }

    let suggest = {
        let s = state.clone();
        Callback::from(move |_| s.dispatch(Action::Suggest))
    };
    let share_link = {
        let s = state.clone();
        Callback::from(move |_| {
            let s = s.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let frag = match share::encode(&s.plan).await {
                    Ok(frag) => frag,
                    Err(e) => return s.dispatch(Action::Notice(e, true)),
                };
                let Some(location) = web_sys::window().map(|w| w.location()) else {
                    return;
                };
                let _ = location.set_hash(&frag);
                let url = location.href().unwrap_or_default();
                s.dispatch(Action::Notice(
                    if write_clipboard(&url).await {
                        "Share link copied: it holds the whole plan.".into()
                    } else {
                        format!("Share link (copy it from the address bar): {url}")
                    },
                    false,
                ));
            });
        })
    };
    let save_plan = {
        let s = state.clone();
        Callback::from(move |_| {
            download(
                "byocni-plan.json",
                &plan_file_text(&s.plan),
                "application/json",
            );
        })
    };
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let upload = {
        let (s, reader) = (state.clone(), reader.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let s = s.clone();
            let task =
                gloo::file::callbacks::read_as_text(&gloo::file::Blob::from(file), move |res| {
                    let text = match res {
                        Ok(text) => text,
                        Err(e) => {
                            let why = format!("{name} could not be read: {e}");
                            return s.dispatch(Action::Notice(why, true));
                        }
                    };
                    wasm_bindgen_futures::spawn_local(async move {
                        s.dispatch(match read_plan(&text).await {
                            Ok(plan) => {
                                Action::Replace(Box::new(plan), Some(format!("Loaded {name}.")))
                            }
                            Err(e) => Action::Notice(
                                format!("{name} was not loaded, the plan is unchanged: {e}"),
                                true,
                            ),
                        });
                    });
                });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    let reset = {
        let s = state.clone();
        Callback::from(move |_| {
            s.dispatch(Action::Replace(
                Box::new(Plan::example()),
                Some("Opened the example plan.".into()),
            ));
        })
    };
    let dismiss = {
        let s = state.clone();
        Callback::from(move |_| s.dispatch(Action::Dismiss))
    };

    html! {
        <ContextProvider<UseReducerHandle<State>> context={state.clone()}>
            <header class="top">
                <div class="brand"><h1>{ "byocni" }</h1><span>{ "AKS address planner for --network-plugin none" }</span></div>
                <nav class="actions" aria-label="Plan actions">
                    <button id="suggest" onclick={suggest} title="Fill empty ranges with free ones">{ "Suggest" }</button>
                    <button id="share" onclick={share_link}>{ "Share link" }</button>
                    <button id="download-plan" onclick={save_plan}>{ "Download plan" }</button>
                    <label class="button" for="upload-plan">{ "Upload plan" }</label>
                    <input id="upload-plan" type="file" accept=".json,application/json" class="visually-hidden" onchange={upload} />
                    <button id="reset" onclick={reset}>{ "Example" }</button>
                </nav>
            </header>
            if let Some((msg, err)) = &state.notice {
                <div class={classes!("notice", err.then_some("error"))} role={if *err { "alert" } else { "status" }} id="notice">
                    <span>{ msg }</span><button onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
                </div>
            }
            <main class="layout">
                <div class="col-left">
                    <Editor />
                    <JsonEditor />
                </div>
                <div class="col-right">
                    <Findings />
                    <AddressMap />
                    <Capacity />
                </div>
                <div class="col-full"><Export /></div>
            </main>
        </ContextProvider<UseReducerHandle<State>>>
    }
}
