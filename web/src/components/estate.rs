//! The estate panel (plan version 2, issue 13), shown while an estate is open: the cluster
//! picker (a native `<select>`, keyboard operable as such) and "Add cluster", rendered here;
//! and the estate's findings grouped by cluster (every v1 rule at estate paths and the estate
//! rules: peerings, VNet overlaps, node subnets, the ClusterMesh) and the estate map (one lane
//! group per cluster, the VNets no cluster uses, the peerings drawn as their two VNets' ranges
//! joined by a line), rendered as HTML by the estate worker ([`crate::estate`]) so that their
//! code stays out of the page's first load. Its "Edit NAME" buttons are handled here, by one
//! click listener on the panel. A function, not a component (a component type costs the first
//! load its own machinery): an edit the worker has not answered yet renders the same HTML text
//! again, which Yew leaves in place without touching the DOM.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::estate::{Client, Meta};

/// The page's estate worker, shared with the app (none while no estate is open).
#[derive(Clone)]
pub struct Link(pub Rc<RefCell<Option<Client>>>);

/// The estate panel: `meta` and `html` as the worker last answered, `current` the cluster being
/// edited, `link` the worker.
pub fn estate_panel(meta: &Meta, html: &AttrValue, current: usize, link: &Link) -> Html {
    let ask = |link: &Link, what: &dyn Fn(&Client)| {
        if let Some(client) = &*link.0.borrow() {
            what(client);
        }
    };
    let pick = {
        let link = link.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = select.value().parse::<usize>() {
                ask(&link, &|c| c.cluster(i));
            }
        })
    };
    let add = {
        let link = link.clone();
        Callback::from(move |_: MouseEvent| ask(&link, &|c| c.add(current)))
    };
    // The worker's "Edit NAME" buttons carry the cluster's position.
    let open = {
        let link = link.clone();
        Callback::from(move |e: MouseEvent| {
            let at = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("[data-cluster-index]").ok().flatten())
                .and_then(|b| b.get_attribute("data-cluster-index"))
                .and_then(|i| i.parse::<usize>().ok());
            if let Some(i) = at {
                ask(&link, &|c| c.cluster(i));
            }
        })
    };
    html! {
        <section class="panel estate" aria-labelledby="estate-h" id="estate">
            <h2 id="estate-h">{ format!("Estate {}", meta.name) }</h2>
            <div class="estate-bar">
                <label for="cluster-picker">{ "Cluster" }</label>
                <select id="cluster-picker" onchange={pick}>
                    { for meta.clusters.iter().enumerate().map(|(i, c)| html! {
                        <option value={i.to_string()} selected={i == current}>{ c }</option>
                    }) }
                </select>
                <button id="add-cluster" onclick={add}>{ "Add cluster" }</button>
            </div>
            <p id="estate-summary">{ &meta.summary }</p>
            <p class="hint">{ "The editor below edits the cluster picked here; Suggest fills the whole estate. The estate is checked in the background after each edit." }</p>
            <div onclick={open}>{ Html::from_html_unchecked(html.clone()) }</div>
        </section>
    }
}
