//! The app mounted in a real browser (headless Chromium through chromedriver):
//! `cargo test -p app --target wasm32-unknown-unknown` with the runner in .cargo/config.toml.
#![cfg(target_arch = "wasm32")]

use gloo::timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// Mounts a fresh page in its own element, with nothing stored from earlier runs, and the
/// tracer beside it in the same module (the page then talks to it directly instead of
/// importing `tracer.js`). Earlier tests' pages and tracers are taken off the document, so the
/// tracer's panels go into this page's slots.
async fn mount() -> Element {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.clear();
    }
    if let Ok(old) = document().query_selector_all(".test-page, #tracer-root") {
        for i in 0..old.length() {
            if let Some(node) = old.item(i).and_then(|node| node.dyn_into::<Element>().ok()) {
                node.remove();
            }
        }
    }
    let root = document().create_element("div").expect("div");
    root.set_class_name("test-page");
    document().body().expect("body").append_child(&root).expect("append");
    yew::Renderer::<app::App>::with_root(root.clone()).render();
    TimeoutFuture::new(50).await;
    app::components::tracer::mount();
    TimeoutFuture::new(50).await;
    root
}

/// Waits (up to 10 s, polling) until `selector` matches in `root`: the page and the tracer
/// render on the browser's schedule, slower on a loaded machine.
async fn wait_for(root: &Element, selector: &str) {
    for _ in 0..200 {
        if count(root, selector) > 0 {
            return;
        }
        TimeoutFuture::new(50).await;
    }
    panic!("never appeared: {selector}");
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).map(|list| list.length()).unwrap_or(0)
}

#[wasm_bindgen_test]
async fn the_default_scenario_is_drawn() {
    let root = mount().await;
    let textarea: HtmlTextAreaElement = root.query_selector("#manifest").ok().flatten().expect("editor").unchecked_into();
    assert!(textarea.value().contains("192.168.231.166"));
    // The post's three machines, the web Deployment's nginx pod on node2, and Contour's envoy.
    assert_eq!(count(&root, "svg#topology g.node"), 3);
    let nginx = root.query_selector("g.node[data-node='node2'] g.pod[data-pod^='default/web-']").ok().flatten();
    assert!(nginx.is_some_and(|pod| pod.text_content().unwrap_or_default().contains("192.168.231.166")));
    assert_eq!(count(&root, "g.service[data-service='default/sample-service']"), 1);
    assert_eq!(count(&root, "g.service[data-service='projectcontour/envoy']"), 1);
    // The highlighter coloured the keys, and no error is listed (the post's extensions/v1beta1
    // Ingress gets two warnings: a removed API and an annotation Contour ignores).
    assert!(count(&root, "pre.highlight .tok-key") > 10);
    assert_eq!(count(&root, "#problems li.diag-error"), 0);
    assert_eq!(count(&root, "#problems li.diag-warning"), 2);
    assert!(root.query_selector("#stale-note").ok().flatten().is_none());
}

#[wasm_bindgen_test]
async fn a_broken_edit_marks_the_line_and_keeps_the_diagram() {
    let root = mount().await;
    let textarea: HtmlTextAreaElement = root.query_selector("#manifest").ok().flatten().expect("editor").unchecked_into();
    let broken = textarea.value().replace("name: sample-service", "name: 12");
    let line = broken.lines().position(|l| l.trim() == "name: 12").map(|i| i + 1).expect("edited line");
    textarea.set_value(&broken);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).expect("event");
    textarea.dispatch_event(&event).expect("dispatch");
    // After the debounce the engine has run.
    TimeoutFuture::new(400).await;
    let problem = root.query_selector("#problems li.diag-error").ok().flatten().expect("an error listed");
    assert_eq!(problem.get_attribute("data-line"), Some(line.to_string()));
    // Only the lines in view are drawn (and this test page has no stylesheet, so the editor is
    // short): jump to the line from the list, as a reader would, then its gutter mark is there.
    let jump: web_sys::HtmlElement = problem.query_selector("button").ok().flatten().expect("the problem's button").unchecked_into();
    jump.click();
    wait_for(&root, &format!(".gutter-line.mark-error[data-line='{line}']")).await;
    assert_eq!(count(&root, &format!(".gutter-line.mark-error[data-line='{line}']")), 1);
    assert!(count(&root, "pre.highlight .squiggle") >= 1);
    // The diagram keeps the last good cluster, and says so.
    assert!(root.query_selector("#stale-note").ok().flatten().is_some());
    assert_eq!(count(&root, "g.service[data-service='default/sample-service']"), 1);
    assert_eq!(count(&root, "svg#topology g.node"), 3);
}

#[wasm_bindgen_test]
async fn send_traces_and_the_player_steps() {
    let root = mount().await;
    let click = |selector: &str| {
        let button: web_sys::HtmlButtonElement = root.query_selector(selector).ok().flatten().expect(selector).unchecked_into();
        button.click();
    };
    // The tracer told the page it is ready: its placeholders are gone, its form is in the slot.
    wait_for(&root, "#send-slot #send-from").await;
    assert_eq!(count(&root, ".tracer-wait"), 0);
    assert_eq!(count(&root, "#events .event"), 0);
    click("#send");
    TimeoutFuture::new(100).await;
    assert_eq!(count(&root, "#events .event.is-current"), 1);
    assert_eq!(count(&root, "svg#topology #packet"), 1);
    let position = || root.query_selector("#player-position").ok().flatten().and_then(|e| e.text_content()).unwrap_or_default();
    assert!(position().starts_with("Step 1 of "), "{}", position());
    click("#player-forward");
    TimeoutFuture::new(50).await;
    assert!(position().starts_with("Step 2 of ") || !position().starts_with("Step 1 of "), "{}", position());
    click("#player-back");
    TimeoutFuture::new(50).await;
    assert!(position().starts_with("Step 1 of "), "{}", position());
}
