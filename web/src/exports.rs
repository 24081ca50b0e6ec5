//! The planner's side of the export renderer, a Web Worker (`web/exports`): [`Renderer`] starts
//! it, keeps one request in flight (a newer request waits in place of an older one: rendering
//! never falls behind the edits), and hands the answer to the latest request to a callback.
//! [`save`] downloads (or shows in a tab the click opened) what a worker started for the
//! question answers: a text or a `Blob` (the map as PNG), under the file name and type the
//! answer carries (`[id, body, {name, mime}]`, written by the worker with serde-wasm-bindgen and
//! read here with `Array::get` and `Reflect::get`, which cost the page's wasm nothing).
//!
//! Why a worker: the renderers are a tenth of the planner's wasm (about 14 KB of the gzip
//! transfer) and planning needs none of them, so they load only when the export panel first
//! comes into view ([`when_near_view`]); and rendering a plan runs off the page's thread, so an
//! edit's frame never waits for it.

use std::cell::RefCell;
use std::rc::Rc;

use byocni_core::{Format, Plan};
use wasm_bindgen::prelude::*;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, MessageEvent, Worker};
use yew::Callback;

use crate::components::StateHandle;
use crate::state::Action;

/// The name of the `<meta>` that names the worker's loader, which the build writes next to the
/// page under a content-hashed name (`scripts/post-build.mjs`, Trunk's post-build hook).
pub const WORKER_META: &str = "byocni-exports-worker";

/// What the worker posts once it listens.
const READY: &str = "ready";
/// The request for why a text is not a plan (the worker's `PLAN_ERROR`).
const PLAN_ERROR: &str = "plan-error";
/// The request for the plan's ranges as CSV (the worker's `RANGES_CSV`).
const RANGES_CSV: &str = "ranges-csv";

/// The worker's loader, as the page names it (the estate worker, [`crate::estate`], is an
/// instance of the same worker).
pub fn worker_url() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector(&format!("meta[name={WORKER_META}]"))
        .ok()??
        .get_attribute("content")
}

/// A rendering and what it was rendered from.
#[derive(Clone)]
pub struct Rendered {
    /// The plan rendered.
    pub plan: Rc<Plan>,
    /// In this format.
    pub format: Format,
    /// The rendering.
    pub text: String,
}

/// What the planner keeps of its worker.
struct Channel {
    worker: Worker,
    /// The worker listens (it said `"ready"`).
    ready: bool,
    /// A request is with the worker.
    busy: bool,
    /// The request to send when the worker is free.
    waiting: Option<js_sys::Array>,
    /// The id of the latest request and what it asked for: answers to older ones are dropped.
    latest: (u32, Option<(Rc<Plan>, Format)>),
}

impl Channel {
    /// Sends the waiting request if the worker is ready and free.
    fn pump(&mut self) {
        if self.ready && !self.busy {
            if let Some(request) = self.waiting.take() {
                self.busy = self.worker.post_message(&request).is_ok();
            }
        }
    }
}

/// The running export renderer.
pub struct Renderer {
    channel: Rc<RefCell<Channel>>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::Event)>,
}

impl Renderer {
    /// Starts the worker; `on_text` gets the rendering of the latest request, or why there is none.
    pub fn start(on_text: Callback<Result<Rendered, String>>) -> Result<Renderer, String> {
        let url = worker_url().ok_or_else(|| {
            format!(
                "This page was built without the export renderer (no <meta name=\"{WORKER_META}\">): \
                 build it with scripts/build-web.sh."
            )
        })?;
        let worker = Worker::new(&url).map_err(|_| {
            "This browser cannot start the export renderer (a Web Worker).".to_owned()
        })?;
        let channel = Rc::new(RefCell::new(Channel {
            worker: worker.clone(),
            ready: false,
            busy: false,
            waiting: None,
            latest: (0, None),
        }));
        let on_message = {
            let (channel, on_text) = (channel.clone(), on_text.clone());
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                let data = e.data();
                let mut ch = channel.borrow_mut();
                let rendered = if data.as_string().as_deref() == Some(READY) {
                    ch.ready = true;
                    None
                } else {
                    ch.busy = false;
                    let answer = js_sys::Array::from(&data);
                    match &ch.latest {
                        (id, Some((plan, format)))
                            if answer.get(0).as_f64() == Some(f64::from(*id)) =>
                        {
                            Some(Rendered {
                                plan: plan.clone(),
                                format: *format,
                                text: answer.get(1).as_string().unwrap_or_default(),
                            })
                        }
                        _ => None,
                    }
                };
                ch.pump();
                drop(ch);
                if let Some(rendered) = rendered {
                    on_text.emit(Ok(rendered));
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_| {
            on_text.emit(Err(format!(
                "The export renderer did not load ({url}): reload the page to try again."
            )));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Renderer {
            channel,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Asks for `plan` rendered as `format` (serialising it: milliseconds for a large plan).
    pub fn request(&self, plan: Rc<Plan>, format: Format) {
        let json = plan.to_json_compact();
        let mut ch = self.channel.borrow_mut();
        let id = ch.latest.0 + 1;
        ch.latest = (id, Some((plan, format)));
        ch.waiting = Some(js_sys::Array::of3(
            &id.into(),
            &format.id().into(),
            &json.into(),
        ));
        ch.pump();
    }
}

impl Drop for Renderer {
    fn drop(&mut self) {
        self.channel.borrow().worker.terminate();
    }
}

/// Reads a plan file's text. The page's core reads plans without tracking where a shape error
/// is (no `path-errors`: a smaller wasm), so when the text is not a plan the worker, whose core
/// tracks it, is asked for the message that names the field. Where the worker cannot be started,
/// the page's own message (what is wrong, not where) is the answer.
pub async fn read_plan(text: &str) -> Result<Plan, String> {
    match Plan::from_json(text) {
        Ok(plan) => Ok(plan),
        Err(here) => Err(ask(PLAN_ERROR, text)
            .await
            .unwrap_or_else(|| here.to_string())),
    }
}

/// What the worker's answer to `kind` is: **Suggest** (`suggest`) or **Fix all** (`fix-all`).
/// The core's suggestion and its free-space search are worked out by the worker, so they are
/// not in the page's wasm; the answer is dispatched as [`Action::Worked`], the notice and the
/// plan to put on screen (`web/exports/src/fix.rs` gives the answer's form).
pub fn work(kind: &'static str, state: &StateHandle) {
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let asked = state.plan.clone();
        let answer = ask(kind, &asked.to_json_compact()).await;
        let read = answer.as_deref().and_then(|a| {
            let (head, json) = a.split_once('\n')?;
            let plan = match json {
                "" => None,
                json => Some(Box::new(Plan::from_json(json).ok()?)),
            };
            Some((plan, head.get(1..)?.to_owned(), head.starts_with('E')))
        });
        state.dispatch(match read {
            Some((plan, notice, error)) => Action::Worked(asked, plan, notice, error),
            None => Action::Notice(
                "This browser could not start byocni's worker: reload the page.".into(),
                true,
            ),
        });
    });
}

/// The plan's ranges as CSV, from the export worker.
pub async fn ranges_csv(plan: &Plan) -> Option<String> {
    ask(RANGES_CSV, &plan.to_json_compact()).await
}

/// Saves what the worker renders of `plan` as `kind` (a format's id, or `map-png`): the answer's
/// body (a text or a `Blob`) under the file name and type the answer gives; or, given a `tab`
/// (opened by the click), shows it there. False when there is no such answer.
pub async fn save(kind: &str, plan: &Plan, tab: Option<web_sys::Window>) -> bool {
    use crate::components::export::{blob_of, download_blob};
    let Some(answer) = ask_answer(kind, &plan.to_json_compact()).await else {
        return false;
    };
    let (body, file) = (answer.get(1), answer.get(2));
    let field = |k: &str| {
        js_sys::Reflect::get(&file, &k.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let (Some(name), Some(mime)) = (field("name"), field("mime")) else {
        return false;
    };
    let Some(blob) = body
        .dyn_into::<web_sys::Blob>()
        .ok()
        .or_else(|| blob_of(&answer.get(1).as_string()?, &mime))
    else {
        return false;
    };
    match tab {
        Some(tab) => {
            let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
                return false;
            };
            let _ = tab.location().set_href(&url);
            // The tab has loaded it by then; the URL is let go.
            gloo::timers::callback::Timeout::new(60_000, move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            })
            .forget();
        }
        None => download_blob(&name, &blob),
    }
    true
}

/// The worker's answer to a question (`kind`: why a text is not a plan, the ranges as CSV), from
/// a worker started for the question.
async fn ask(kind: &str, text: &str) -> Option<String> {
    ask_answer(kind, text)
        .await?
        .get(1)
        .as_string()
        .filter(|why| !why.is_empty())
}

/// The worker's whole answer, `[id, body, file]`, from a worker started for the question.
async fn ask_answer(kind: &str, text: &str) -> Option<js_sys::Array> {
    let worker = Worker::new(&worker_url()?).ok()?;
    let mut answer = None;
    let promise = js_sys::Promise::new(&mut |resolve, _| answer = Some(resolve));
    let answer = answer?;
    let request = js_sys::Array::of3(&0.into(), &kind.into(), &text.into());
    let on_message = {
        let (worker, answer) = (worker.clone(), answer.clone());
        Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            if data.as_string().as_deref() == Some(READY) {
                let _ = worker.post_message(&request);
            } else {
                let _ = answer.call1(&JsValue::NULL, &data);
            }
        })
    };
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_| {
        let _ = answer.call1(&JsValue::NULL, &JsValue::UNDEFINED);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await;
    worker.terminate();
    answer
        .ok()
        .filter(js_sys::Array::is_array)
        .map(|a| js_sys::Array::from(&a))
}

/// Calls `on_near` once, when `target` first comes within 200 px of the viewport (at once where
/// the browser has no `IntersectionObserver`). Dropping the result stops the watch.
pub fn when_near_view(target: &Element, on_near: impl Fn() + 'static) -> Option<Watch> {
    let on_near = Rc::new(on_near);
    let notify = on_near.clone();
    let callback = Closure::<dyn Fn(js_sys::Array, IntersectionObserver)>::new(
        move |entries: js_sys::Array, observer: IntersectionObserver| {
            let near = entries.iter().any(|e| {
                e.unchecked_into::<IntersectionObserverEntry>()
                    .is_intersecting()
            });
            if near {
                observer.disconnect();
                notify();
            }
        },
    );
    let options = web_sys::IntersectionObserverInit::new();
    options.set_root_margin("200px");
    let Ok(observer) =
        IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options)
    else {
        on_near();
        return None;
    };
    observer.observe(target);
    Some(Watch {
        observer,
        _callback: callback,
    })
}

/// A running [`when_near_view`].
pub struct Watch {
    observer: IntersectionObserver,
    _callback: Closure<dyn Fn(js_sys::Array, IntersectionObserver)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
