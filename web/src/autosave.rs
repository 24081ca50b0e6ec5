//! Autosave of the plan to localStorage, off the edit path: the newest plan is written
//! [`DELAY_MS`] after the last change, and at once when the page is hidden or left (so a reload
//! right after an edit still finds it). A plan with 10,000 connected networks is about 500 KB of
//! JSON; writing it on every keystroke would cost each edit several frames.
//!
//! The plan is stored as its compact JSON text under [`STORAGE_KEY`]. Earlier builds stored it
//! JSON-encoded a second time (a JSON string holding the plan's text); [`load`] reads both.
//!
//! Storage is reached through `web_sys` rather than `gloo::storage`: gloo's `LocalStorage::raw`
//! panics where storage is refused (sandboxed frames, some private modes), and the planner must
//! keep working there, just without autosave.

use std::cell::RefCell;
use std::rc::Rc;

use byocni_core::Plan;
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;

/// The localStorage key of the autosaved plan.
pub const STORAGE_KEY: &str = "byocni.plan.v1";
/// The localStorage key of the plan an opened link or the example replaced (see
/// [`crate::state::State::previous`]), so that it survives a reload too.
pub const PREVIOUS_KEY: &str = "byocni.previous.v1";
/// How long after the last change the plan is written.
pub const DELAY_MS: u32 = 300;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The saved plan, if there is one that parses.
pub fn load() -> Option<Plan> {
    load_key(STORAGE_KEY)
}

/// The saved previous plan ([`PREVIOUS_KEY`]), if there is one that parses.
pub fn load_previous() -> Option<Plan> {
    load_key(PREVIOUS_KEY)
}

/// Keeps `plan` as the previous plan, or forgets it.
pub fn save_previous(plan: Option<&Plan>) {
    if let Some(s) = storage() {
        let _ = match plan {
            Some(p) => s.set_item(PREVIOUS_KEY, &p.to_json_compact()),
            None => s.remove_item(PREVIOUS_KEY),
        };
    }
}

fn load_key(key: &str) -> Option<Plan> {
    let text = storage()?.get_item(key).ok()??;
    let text = if text.starts_with('"') {
        serde_json::from_str::<String>(&text).ok()?
    } else {
        text
    };
    Plan::from_json(&text).ok()
}

/// Writes a plan now. A full or refused storage is ignored: the plan on screen is unchanged
/// and the user can still download it.
pub fn save(plan: &Plan) {
    if let Some(s) = storage() {
        let _ = s.set_item(STORAGE_KEY, &plan.to_json_compact());
    }
}

/// Plans waiting to be written, a timer, and the page-hide listeners that flush them.
#[derive(Default)]
pub struct Autosave {
    pending: Rc<RefCell<Option<Rc<Plan>>>>,
    timer: Option<Timeout>,
    listeners: Vec<EventListener>,
}

fn flush(pending: &RefCell<Option<Rc<Plan>>>) {
    if let Some(plan) = pending.borrow_mut().take() {
        save(&plan);
    }
}

impl Autosave {
    /// Schedules `plan` to be written (replacing any plan still waiting).
    pub fn schedule(&mut self, plan: Rc<Plan>) {
        if self.listeners.is_empty() {
            self.listen();
        }
        *self.pending.borrow_mut() = Some(plan);
        let pending = self.pending.clone();
        // Dropping the previous timer cancels it: only the newest plan is written.
        self.timer = Some(Timeout::new(DELAY_MS, move || flush(&pending)));
    }

    /// Writes the waiting plan now, if any.
    pub fn flush(&self) {
        flush(&self.pending);
    }

    fn listen(&mut self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let pending = self.pending.clone();
        self.listeners
            .push(EventListener::new(&window, "pagehide", move |_| {
                flush(&pending);
            }));
        if let Some(doc) = window.document() {
            let pending = self.pending.clone();
            let d = doc.clone();
            self.listeners
                .push(EventListener::new(&doc, "visibilitychange", move |_| {
                    if d.hidden() {
                        flush(&pending);
                    }
                }));
        }
    }
}
