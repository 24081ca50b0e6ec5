//! Component tests in a real browser (wasm-bindgen-test in headless Chromium): the whole app is
//! mounted on a fresh element, driven through the DOM, and read back.
//!
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     CHROMEDRIVER=/usr/bin/chromedriver cargo test -p byocni-web --target wasm32-unknown-unknown
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use byocni_web::components::app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts a fresh app (with empty storage and no fragment) and waits for its first render.
async fn mount() -> Element {
    let window = web_sys::window().unwrap();
    window.local_storage().unwrap().unwrap().clear().unwrap();
    let _ = window.location().set_hash("");
    mount_keeping_storage().await
}

/// Mounts an app on the current storage and URL, and waits for its first render.
async fn mount_keeping_storage() -> Element {
    let window = web_sys::window().unwrap();
    let doc = window.document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;
    root
}

/// Lets Yew render.
async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(60)).await;
}

/// Waits (up to two seconds) until `root` has an element matching `selector`: for what the app
/// does asynchronously, such as opening a share link.
async fn wait_for(root: &Element, selector: &str) {
    for _ in 0..100 {
        if root.query_selector(selector).ok().flatten().is_some() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("nothing matches {selector}");
}

/// The text of every element matching `selector`.
fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.text_content())
        .collect()
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .map(|e| e.text_content().unwrap_or_default())
        .unwrap_or_default()
}

/// The input with id `id`.
fn input(root: &Element, id: &str) -> HtmlInputElement {
    root.query_selector(&format!("#{id}"))
        .unwrap()
        .unwrap_or_else(|| panic!("no #{id}"))
        .dyn_into()
        .unwrap()
}

async fn set_input(root: &Element, id: &str, value: &str) {
    let input = input(root, id);
    input.set_value(value);
    input
        .dispatch_event(
            &web_sys::Event::new_with_event_init_dict("change", &{
                let init = web_sys::EventInit::new();
                init.set_bubbles(true);
                init
            })
            .unwrap(),
        )
        .unwrap();
    settle().await;
}

#[wasm_bindgen_test]
async fn a_bad_cidr_shows_its_finding_next_to_the_field() {
    let root = mount().await;
    assert!(text(&root, "#summary").contains("No problems"));
    set_input(&root, "podCidr", "10.10.0.1/16").await;
    assert!(
        texts(&root, "[role=alert]").is_empty(),
        "no stack of alerts"
    );
    let all = texts(&root, "#podCidr-findings");
    assert!(
        all.iter()
            .any(|t| t.contains("host-bits-set") && t.contains("10.10.0.0/16")),
        "{all:?}"
    );
    let input = root.query_selector("#podCidr").unwrap().unwrap();
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("podCidr-findings")
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn a_fix_applies() {
    let root = mount().await;
    set_input(&root, "podCidr", "10.0.0.0/16").await;
    assert!(
        text(&root, "#summary").contains("1 error"),
        "{}",
        text(&root, "#summary")
    );
    let fix: HtmlElement = root
        .query_selector("button.fix")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    fix.click();
    settle().await;
    assert!(
        text(&root, "#summary").contains("No problems"),
        "{}",
        text(&root, "#summary")
    );
    assert_ne!(input(&root, "podCidr").value(), "10.0.0.0/16");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_map_draws_the_ranges() {
    let root = mount().await;
    let list = root.query_selector_all(".map-rows button.range").unwrap();
    let all: Vec<String> = (0..list.length())
        .filter_map(|i| {
            list.item(i)?
                .dyn_into::<Element>()
                .ok()?
                .get_attribute("aria-label")
        })
        .collect();
    for want in [
        "VNet 10.224.0.0/12",
        "nodes 10.224.0.0/16",
        "pods 10.10.0.0/16",
        "services 10.0.0.0/16",
    ] {
        assert!(
            all.iter().any(|t| t.contains(&format!(": {want},"))),
            "{want} missing from {all:?}"
        );
    }
    // An overlap is drawn as such.
    set_input(&root, "serviceCidr", "10.10.0.0/16").await;
    let hatched = root
        .query_selector_all(".map-rows button.range.overlap")
        .unwrap();
    assert!(hatched.length() >= 2, "pods and services both marked");
    // ...with a row over the shared addresses that names both.
    let labels = texts(&root, "#address-map .row-label");
    assert!(
        labels.contains(&"overlap: pods 10.10.0.0/16 and services 10.10.0.0/16".to_owned())
            || labels.contains(&"overlap: services 10.10.0.0/16 and pods 10.10.0.0/16".to_owned()),
        "{labels:?}"
    );
    assert!(
        labels.contains(&"free 10.225.0.0/16".to_owned()),
        "{labels:?}"
    );
    root.remove();
}

/// The stored plan's pod CIDR, if a plan is stored.
fn stored_pod_cidr() -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let text = storage.get_item(byocni_web::autosave::STORAGE_KEY).ok()??;
    byocni_core::Plan::from_json(&text).ok()?.pod_cidr
}

#[wasm_bindgen_test]
async fn an_edit_is_autosaved_after_a_pause_and_at_once_on_pagehide() {
    let pause = Duration::from_millis(u64::from(byocni_web::autosave::DELAY_MS) + 100);
    let root = mount().await;
    // Let every waiting autosave (this app's first render, earlier tests' apps) happen.
    yew::platform::time::sleep(pause).await;
    set_input(&root, "podCidr", "10.20.0.0/16").await;
    // Not on every keystroke...
    assert_ne!(stored_pod_cidr().as_deref(), Some("10.20.0.0/16"));
    // ...but after the pause.
    yew::platform::time::sleep(pause).await;
    assert_eq!(stored_pod_cidr().as_deref(), Some("10.20.0.0/16"));
    // Leaving the page writes a waiting plan at once.
    set_input(&root, "podCidr", "10.30.0.0/16").await;
    assert_ne!(stored_pod_cidr().as_deref(), Some("10.30.0.0/16"));
    let window = web_sys::window().unwrap();
    window
        .dispatch_event(&web_sys::Event::new("pagehide").unwrap())
        .unwrap();
    assert_eq!(stored_pod_cidr().as_deref(), Some("10.30.0.0/16"));
}

/// A share link made by miniz_oxide, which built them before the browser's streams did: the
/// example plan with pod CIDR 10.30.0.0/16.
const EARLIER_LINK: &str = "v1=dVHLTsMwEPyXlbilIY-2gt6gSAiBqogcUVUZ27RWnXVkx6Gl6r-zTh9phbjZO7O7M7M7aKV1yiBM0gi49q6RFiY7QFZJmEC1fXgtp8dyBFY64y2Xz9b4uoPfryoRaMNZ080DvlLI0NhmlRMg0BVWfqlN18bW7rRsH0GLsvln6aDDImBC0HJX1owT5QPSJM6yYZzEyW2awTwC5z-J6Qg7z0EjpKNergR5umoZBzNG96z9nHTURkzP3DzpqU7aVnHZgxcYGSsP8EvRg2lCUBhdGKP_qKqpmBKhojeV3JasVkGp8UhJ5ISwzfTwSZPuV3q7DNw8v4GuUBhBc7MRwW1Vqp8Alg1DwaxYPA3doh2RqwgUUozI9Jth4pFphpwuTo20DVVIvdZ-qbqDKa18kFFLOwvSj_fKhvsgDVHyRoqZbL6NXV95Mjio7cHBMaL7LE7Hd6eUKN1f";

#[wasm_bindgen_test]
async fn share_links_round_trip_through_the_browsers_streams() {
    use byocni_web::share;
    let mut plan = byocni_core::Plan::example();
    plan.pod_cidr = Some("10.30.0.0/16".into());
    let link = share::encode(&plan).await.unwrap();
    assert!(
        link.len() < plan.to_json_compact().len(),
        "compressed: {link}"
    );
    assert_eq!(share::decode(&format!("#{link}")).await.unwrap(), plan);
    // Links from earlier builds still open.
    assert_eq!(share::decode(EARLIER_LINK).await.unwrap(), plan);
    // Damaged data, and a plan over the limit, say so: eight 0xff bytes are no DEFLATE stream;
    // `@` is not base64url; a stored block of 0xff bytes is not UTF-8.
    let damaged = share::decode("#v1=__________8").await.unwrap_err();
    assert!(damaged.contains("does not decompress"), "{damaged}");
    let not_base64 = share::decode("#v1=@@@").await.unwrap_err();
    assert!(not_base64.contains("not base64url"), "{not_base64}");
    let not_utf8 = share::decode("#v1=-_8PAA").await.unwrap_err();
    assert!(not_utf8.contains("not UTF-8"), "{not_utf8}");
    let large = share::decode_within(&link, 64).await.unwrap_err();
    assert!(large.contains("too large"), "{large}");
    assert!(share::decode_within(&link, 1 << 20).await.is_ok());
}

/// Stores a plan as the autosaved one, after every waiting autosave of earlier apps happened.
async fn save_plan_with_pod_cidr(pod_cidr: &str) {
    let pause = Duration::from_millis(u64::from(byocni_web::autosave::DELAY_MS) + 100);
    yew::platform::time::sleep(pause).await;
    let mut plan = byocni_core::Plan::example();
    plan.pod_cidr = Some(pod_cidr.into());
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .set_item(byocni_web::autosave::STORAGE_KEY, &plan.to_json_compact())
        .unwrap();
}

#[wasm_bindgen_test]
async fn the_app_opens_a_share_link_and_keeps_the_saved_plan_for_a_broken_one() {
    let window = web_sys::window().unwrap();
    let pod_cidr = |root: &Element| input(root, "podCidr").value();

    // A good link over a different saved plan asks first, and leaves the address bar at once.
    save_plan_with_pod_cidr("10.20.0.0/16").await;
    window.location().set_hash(EARLIER_LINK).unwrap();
    let root = mount_keeping_storage().await;
    wait_for(&root, "#offer").await;
    assert_eq!(window.location().hash().unwrap(), "");
    assert_eq!(pod_cidr(&root), "10.20.0.0/16");
    let open: HtmlElement = root
        .query_selector("#offer-open")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    open.click();
    settle().await;
    assert_eq!(pod_cidr(&root), "10.30.0.0/16");
    assert!(text(&root, "#notice").contains("Opened the shared plan"));
    assert!(root.query_selector("#restore").unwrap().is_some());
    root.remove();

    // A broken link says why and leaves the saved plan.
    save_plan_with_pod_cidr("10.20.0.0/16").await;
    window.location().set_hash("v1=AAAA").unwrap();
    let root = mount_keeping_storage().await;
    wait_for(&root, "#notice").await;
    assert_eq!(pod_cidr(&root), "10.20.0.0/16");
    let notice = text(&root, "#notice.error");
    assert!(
        notice.contains("damaged") && notice.contains("unchanged"),
        "{notice}"
    );
    root.remove();
    window.location().set_hash("").unwrap();
}

#[wasm_bindgen_test]
fn the_plan_file_text_is_the_cores_indented_by_the_browser() {
    use byocni_core::plan::ConnectedNetwork;
    use byocni_web::components::plan_file_text;
    let mut plan = byocni_core::Plan::example();
    plan.connected_networks.push(ConnectedNetwork {
        name: "quote \" slash \\ tab \t unit \u{1f} é ☃ </script>".into(),
        cidr: "172.16.0.0/12".into(),
    });
    plan.vnet.as_mut().unwrap().address_space.clear();
    assert_eq!(plan_file_text(&plan), plan.to_json());
}
