//! Entry point of the web planner: mounts the Yew app on the page.

fn main() {
    byocni_web::start();
}
