//! The page: header actions (undo, redo, suggest, share, download and upload the plan, the
//! example, restore), the notice area, and the panels. Owns the state reducer, hands it to the
//! panels (functions of the state, and the export panel's hook; no context), autosaves the plan to localStorage ([`crate::autosave`]) and loads the saved plan on
//! start, then a shared link (`#v1=...`) once: the fragment leaves the address bar as it is
//! read, and a link that would replace other work asks first ([`Action::Offer`]). An estate
//! (plan version 2: upload, link or autosave) opens in the estate worker ([`crate::estate`]):
//! the app then sends every new plan of the cluster on screen to it, shows its answer in the
//! estate panel ([`super::estate`]), and autosaves, shares and downloads the estate's text.

use std::rc::Rc;

use byocni_core::Plan;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::capacity::capacity;
use super::editor::editor;
use super::export::{download, use_export};
use super::findings::findings;
use super::json::json_editor;
use super::map::address_map;
use super::table::{subnet_table, Table};
use super::{plan_file_text, write_clipboard, SamePlan};
use crate::autosave::{self, Autosave};
use crate::estate::{estate_saved, estate_text, is_estate, Answer, Client};
use crate::exports::read_plan;
use crate::share;
use crate::state::{Action, Kept, State};

/// The starting state: the autosaved plan, else the seed example, and the previous plan an
/// opened link replaced. A share link in the URL (`#v1=...`) is offered once decoded
/// ([`open_shared_link`]).
fn initial() -> State {
    let mut state = State::new(autosave::load().unwrap_or_else(Plan::example));
    state.previous =
        autosave::load_previous().filter(|k| !matches!(k, Kept::Plan(p) if **p == *state.plan));
    state
}

/// Offers the plan of a share link in the URL, if there is one, and takes the fragment out of
/// the address bar at once: a reload then opens the autosaved plan, never the link again.
/// Decoding is asynchronous (the browser inflates it); a broken link is reported and does not
/// replace the saved plan. Fragments without `=` (the skip link's `#main`) are not links.
fn open_shared_link(state: UseReducerDispatcher<State>, on_estate: Callback<String>) {
    let Some(hash) = share::take_link() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let read = match share::decode_text(&hash).await {
            Ok(text) => match Plan::from_json(&text) {
                Ok(plan) => Ok(plan),
                Err(e) if is_estate(&e) => return on_estate.emit(text),
                Err(_) => read_plan(&text)
                    .await
                    .map_err(|e| format!("the shared plan cannot be read: {e}")),
            },
            Err(e) => Err(e),
        };
        state.dispatch(match read {
            Ok(plan) => Action::Offer(Box::new(plan), "the shared plan".into()),
            Err(e) => Action::Notice(format!("{e}. Your saved plan is unchanged."), true),
        });
    });
}

/// The app's side of an open estate ([`crate::estate`]).
#[derive(Default)]
struct Side {
    /// The projection the worker last opened (not sent back as an edit).
    base: Option<Rc<Plan>>,
    /// The connected-network index of the plan last seen (a new one: the networks changed).
    connected: Option<Rc<byocni_core::ConnectedIndex>>,
    /// An estate is being opened (the v1 plan on screen is not autosaved meanwhile).
    opening: bool,
}

/// Keeps what a plan or an estate replaces restorable ([`Action::Keep`]): the open estate's
/// text, or else (`plan`) the v1 plan on screen.
fn keep(dispatch: &UseReducerDispatcher<State>, plan: bool) {
    let text = estate_text();
    if plan || !text.is_empty() {
        dispatch.dispatch(Action::Keep((!text.is_empty()).then(|| Rc::new(text))));
    }
}

/// The whole planner.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial);
    let saver = use_mut_ref(Autosave::default);
    let link = use_mut_ref(|| None::<Client>);
    let side = use_mut_ref(|| Side {
        opening: estate_saved().is_some(),
        ..Side::default()
    });
    // Opens an estate's text in a worker started for it (one estate at a time).
    let open_estate = {
        let (dispatch, link, side) = (state.dispatcher(), link.clone(), side.clone());
        Callback::from(move |text: String| {
            let on_answer = {
                let (dispatch, side) = (dispatch.clone(), side.clone());
                Callback::from(move |answer: Result<Answer, String>| match answer {
                    Ok(a) => {
                        let mut s = side.borrow_mut();
                        let notice = a.notice;
                        if let Some((i, plan)) = a.plan {
                            let plan = Rc::new(plan);
                            s.base = Some(plan.clone());
                            let open = std::mem::take(&mut s.opening);
                            drop(s);
                            dispatch.dispatch(Action::OpenCluster(plan, i, notice, open));
                        } else if let Some(n) = notice {
                            drop(s);
                            dispatch.dispatch(Action::Notice(n, false));
                        }
                    }
                    Err(e) => {
                        side.borrow_mut().opening = false;
                        dispatch.dispatch(Action::Notice(e, true));
                    }
                })
            };
            let mut client = link.borrow_mut();
            if client.is_none() {
                match Client::start(on_answer) {
                    Ok(c) => *client = Some(c),
                    Err(e) => return dispatch.dispatch(Action::Notice(e, true)),
                }
            }
            // What this estate replaces stays restorable (not when a reload reopens the saved one).
            if !std::mem::replace(&mut side.borrow_mut().opening, true) {
                keep(&dispatch, true);
            }
            if let Some(c) = &*client {
                c.open(&text);
            }
        })
    };

    // Mark the moment the planner is on screen and usable (read by the browser benchmarks), open
    // a share link, and listen for the keyboard patterns ([`crate::keys`]).
    // An estate from a link over other work (a plan other than the example, or a saved estate)
    // asks first (the browser's confirm dialog: a banner of its own cost the first load more).
    {
        let dispatch = state.dispatcher();
        let open_estate = open_estate.clone();
        let fresh = *state.plan == Plan::example();
        use_effect_with((), move |()| {
            if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                let _ = p.mark("byocni-interactive");
            }
            let saved = estate_saved();
            let fresh = fresh && saved.is_none();
            if let Some(text) = saved {
                open_estate.emit(text);
            }
            let on_estate = {
                let (open_estate, dispatch) = (open_estate.clone(), dispatch.clone());
                Callback::from(move |text: String| {
                    const ASK: &str = "Open the shared estate? It replaces the plan on screen (a version 1 plan stays restorable).";
                    let yes = fresh
                        || web_sys::window()
                            .and_then(|w| w.confirm_with_message(ASK).ok())
                            .unwrap_or(false);
                    if yes {
                        open_estate.emit(text);
                    } else {
                        dispatch.dispatch(Action::Notice("Kept your plan.".into(), false));
                    }
                })
            };
            open_shared_link(dispatch, on_estate);
            crate::keys::listen();
        });
    }

    // The subnet table: its rows come from the export worker, started when the section first
    // comes near the viewport ([`super::table`]); every new plan is handed to its client.
    {
        let table = use_mut_ref(Table::default);
        {
            let table = table.clone();
            use_effect_with(SamePlan(state.plan.clone()), move |plan| {
                table.borrow_mut().show(plan.0.clone());
            });
        }
        let dispatch = state.dispatcher();
        use_effect_with((), move |()| {
            let watch = gloo::utils::document()
                .get_element_by_id("subnet-table")
                .and_then(|el| {
                    crate::exports::when_near_view(&el, move || {
                        table.borrow_mut().start(dispatch.clone());
                    })
                });
            move || drop(watch)
        });
    }

    // Keep the previous plan across reloads.
    {
        let previous = state.previous.clone();
        use_effect_with(previous.as_ref().map(Kept::key), move |_| {
            autosave::save_previous(previous.as_ref());
        });
    }

    // Autosave every new plan; in an estate, send it to the estate worker instead (which
    // answers the estate's text, autosaved then); leaving the estate stops the worker.
    {
        let (saver, side, link) = (saver.clone(), side.clone(), link.clone());
        let (estate, connected, dispatch) =
            (state.estate, state.connected.clone(), state.dispatcher());
        use_effect_with(SamePlan(state.plan.clone()), move |plan| {
            let mut s = side.borrow_mut();
            match estate {
                Some(i) => {
                    // Once only: undo may bring the same plan back, to be written back then.
                    let echo = s.base.take().is_some_and(|b| Rc::ptr_eq(&b, &plan.0));
                    let moved = s
                        .connected
                        .as_ref()
                        .is_some_and(|c| !Rc::ptr_eq(c, &connected));
                    if !echo {
                        if let Some(c) = &*link.borrow() {
                            c.edit(i, &plan.0, moved);
                        }
                    }
                    s.connected = Some(connected);
                }
                None if s.opening => {}
                None => {
                    // The estate closed (a plan replaced it): it stays restorable.
                    if link.borrow().is_some() {
                        keep(&dispatch, false);
                        *link.borrow_mut() = None;
                        *s = Side::default();
                    }
                    saver.borrow_mut().schedule(plan.0.clone());
                }
            }
        });
    }

    let suggest = {
        let (s, link) = (state.clone(), link.clone());
        Callback::from(move |_| match (s.estate, &*link.borrow()) {
            (Some(i), Some(c)) => c.suggest(i),
            _ => crate::exports::work("suggest", &s),
        })
    };
    let share_link = {
        let s = state.clone();
        Callback::from(move |_| {
            let s = s.clone();
            // An estate's file as the worker last wrote it, else the plan's.
            let text = match s.estate {
                Some(_) => estate_text(),
                None => s.plan.to_json_compact(),
            };
            wasm_bindgen_futures::spawn_local(async move {
                let frag = match share::encode_text(&text).await {
                    Ok(frag) => frag,
                    Err(e) => return s.dispatch(Action::Notice(e, true)),
                };
                // The link is copied; the address bar stays as it is (a fragment left there
                // would open the link again on the next reload, over later edits).
                let url = share::link_to(&frag);
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
            let text = match s.estate {
                Some(_) => super::pretty_json(&estate_text()),
                None => plan_file_text(&s.plan),
            };
            download("byocni-plan.json", &text, "application/json");
        })
    };
    let reader = use_mut_ref(|| None::<gloo::file::callbacks::FileReader>);
    let upload = {
        let (s, reader, open_estate) = (state.clone(), reader.clone(), open_estate.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let (s, open_estate) = (s.clone(), open_estate.clone());
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
                        let read = match Plan::from_json(&text) {
                            Ok(plan) => Ok(plan),
                            Err(e) if is_estate(&e) => return open_estate.emit(text),
                            Err(_) => read_plan(&text).await,
                        };
                        s.dispatch(match read {
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
    let export_panel = use_export(&state);
    let on = |action: Action| {
        let s = state.dispatcher();
        Callback::from(move |_: MouseEvent| s.dispatch(action.clone()))
    };
    // A kept estate reopens through the estate worker; a kept plan swaps with the one on screen.
    let restore = {
        let (s, open_estate) = (state.clone(), open_estate.clone());
        Callback::from(move |_| {
            s.dispatch(Action::Restore);
            if let Some(Kept::Estate(text)) = &s.previous {
                open_estate.emit((**text).clone());
            }
        })
    };
    let reset = {
        let s = state.dispatcher();
        Callback::from(move |_| {
            s.dispatch(Action::Offer(
                Box::new(Plan::example()),
                "the example plan".into(),
            ));
        })
    };

    html! {
        <>
            <a class="skip" href="#main">{ "Skip to the plan" }</a>
            <header class="top">
                <div class="brand"><h1>{ "byocni" }</h1><span>{ "AKS address planner for --network-plugin none" }</span></div>
                <nav class="actions" aria-label="Plan actions">
                    <button id="undo" onclick={on(Action::Undo)} disabled={state.undo.is_empty()} aria-keyshortcuts="Control+Z Meta+Z">{ "Undo" }</button>
                    <button id="redo" onclick={on(Action::Redo)} disabled={state.redo.is_empty()} aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z">{ "Redo" }</button>
                    <button id="suggest" onclick={suggest} title="Fill empty ranges with free ones">{ "Suggest" }</button>
                    <button id="share" onclick={share_link}>{ "Share link" }</button>
                    <button id="download-plan" onclick={save_plan}>{ "Download plan" }</button>
                    <input id="upload-plan" type="file" accept=".json,application/json" class="visually-hidden" onchange={upload} />
                    <label class="button" for="upload-plan">{ "Upload plan" }</label>
                    <button id="reset" onclick={reset}>{ "Example" }</button>
                    if state.previous.is_some() {
                        <button id="restore" onclick={restore}>{ "Restore my previous plan" }</button>
                    }
                </nav>
            </header>
            <main id="main" tabindex="-1">
                if let Some((_, what)) = &state.offer {
                    <div class="notice offer" role="status" id="offer">
                        <span>{ format!("Open {what}? It replaces your plan \"{}\"; yours stays restorable.", state.plan.cluster.name) }</span>
                        <span>
                            <button id="offer-open" onclick={on(Action::Accept)}>{ "Open it" }</button>
                            <button id="offer-keep" onclick={on(Action::Decline)}>{ "Keep mine" }</button>
                        </span>
                    </div>
                }
                if let Some((msg, err)) = &state.notice {
                    <div class={classes!("notice", err.then_some("error"))} role={if *err { "alert" } else { "status" }} id="notice">
                        <span>{ msg }</span><button onclick={on(Action::Dismiss)} aria-label="Dismiss">{ "×" }</button>
                    </div>
                }
                // The estate panel: picker, Add cluster, findings by cluster and the estate map,
                // written into it by the estate worker's client ([`crate::estate`]).
                <section id="estate" class="panel estate" aria-labelledby="estate-h" hidden={state.estate.is_none()}></section>
            <div class="layout">
                <div class="col-left">
                    { editor(&state) }
                    { json_editor(&state) }
                </div>
                <div class="col-right">
                    { findings(&state) }
                    { address_map(&state) }
                    { subnet_table(&state) }
                    { capacity(&state) }
                </div>
                <div class="col-full">{ export_panel }</div>
            </div>
            </main>
        </>
    }
}
