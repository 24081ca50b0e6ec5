//! byocni's web planner: a thin Yew layer over `byocni-core`. Every check, fix, suggestion and
//! export comes from the core; this crate holds the page state ([`state`]), the share-link
//! codec ([`share`]), the autosave ([`autosave`]), the client of the export renderer worker
//! ([`exports`]), the keyboard patterns ([`keys`]), the words for fields ([`labels`]), estates through the
//! worker ([`estate`]) and the components ([`components`]).

pub mod autosave;
pub mod components;
pub mod estate;
pub mod exports;
pub mod keys;
pub mod labels;
pub mod share;
pub mod state;

/// Mounts the app on `<body>`.
pub fn start() {
    yew::Renderer::<components::app::App>::new().render();
}
