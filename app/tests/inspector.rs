//! The Inspector component in a real browser (headless Chromium through chromedriver), on
//! an inspection of a real trace: the post's NodePort, client -> node1:31000.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used)]

use std::rc::Rc;

use app::components::inspector::{Inspector, InspectorProps};
use app::i18n::Lang;
use app::inspector::{Inspection, inspect};
use engine::trace::{Event, TraceOptions};
use gloo::timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const NODEPORT: &str = include_str!("../../static/examples/nodeport.yaml");

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// The inspection of the first step of the NodePort trace that `pick` selects.
fn inspection(pick: impl Fn(&engine::trace::Step) -> bool) -> Inspection {
    let mut shell = engine::shell::Lab::from_text(NODEPORT);
    let before = shell.session().clone();
    let trace = shell.connect("client", "http://172.16.120.63:31000/", &TraceOptions::default()).clone();
    let index = trace.all_steps().position(pick).expect("the step");
    inspect(shell.net(), &before, &trace, index)
}

/// Mounts the Inspector in its own element, with the scroll box sized as the page's CSS does.
async fn mount(inspection: Inspection, lang: Lang) -> Element {
    let style = document().create_element("style").expect("style");
    style.set_text_content(Some(
        ".inspector-save, .inspector-walk { display: block; position: relative; max-height: 120px; overflow: auto; }",
    ));
    document().head().expect("head").append_child(&style).expect("append");
    let root = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&root).expect("append");
    let props = InspectorProps {
        inspection: Rc::new(inspection),
        lang,
    };
    yew::Renderer::<Inspector>::with_root_and_props(root.clone(), props).render();
    TimeoutFuture::new(50).await;
    root
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|element| element.text_content())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_dnat_step_shows_the_new_destination_and_scrolls_to_the_kube_sep_rule() {
    let root = mount(inspection(|step| matches!(step.event, Event::Dnat { .. })), Lang::En).await;
    let dst = text(&root, "tr.hdr-row.changed[data-field='dst']");
    assert!(dst.contains("172.16.120.63") && dst.contains("192.168.231.166"), "{dst}");
    // Not by colour alone: a symbol and a word for screen readers.
    assert!(dst.contains('✎') && dst.contains("changed"), "{dst}");
    assert!(root.query_selector("tr.hdr-row.changed[data-field='src']").ok().flatten().is_none());
    let rule = text(&root, ".inspector-save .save-line.hl");
    assert!(rule.starts_with("-A KUBE-SEP-") && rule.contains("DNAT --to-destination 192.168.231.166:80"), "{rule}");
    // The highlighted line is scrolled into the save text, and the deciding rule into the walk.
    for (boxed, row) in [(".inspector-save", ".save-line.hl"), (".inspector-walk", ".walk-rule.hl")] {
        let list: HtmlElement = root.query_selector(boxed).ok().flatten().expect("box").unchecked_into();
        let line: HtmlElement = root.query_selector(row).ok().flatten().expect("row").unchecked_into();
        assert!(list.scroll_top() > 0, "{boxed} not scrolled");
        let top = line.offset_top() - list.scroll_top();
        assert!(top >= 0 && top < list.client_height(), "{row} at {top} of {}", list.client_height());
    }
    assert!(text(&root, ".walk-rule.hl").contains("DNAT --to-destination 192.168.231.166:80"));
    assert!(text(&root, ".inspector-explain p").contains("KUBE-SEP"));
    assert!(text(&root, ".inspector-walk").contains('✓'));
}

#[wasm_bindgen_test]
async fn the_encap_step_nests_the_inner_header_and_speaks_japanese() {
    let root = mount(inspection(|step| matches!(step.event, Event::Encap { .. })), Lang::Ja).await;
    let outer = text(&root, ".hdr-outer > table");
    assert!(outer.contains("172.16.120.64") && outer.contains("ipip (4)"), "{outer}");
    let inner = text(&root, ".hdr-outer .hdr-inner");
    assert!(inner.contains("内側のパケット") && inner.contains("192.168.231.166"), "{inner}");
    assert!(text(&root, ".inspector-explain p").contains("IPIP"));
    assert!(text(&root, ".inspector-rules").contains("netfilter のテーブルの中ではありません"));
}

#[wasm_bindgen_test]
async fn no_step_is_said_plainly() {
    let root = mount(Inspection::default(), Lang::En).await;
    assert!(text(&root, ".inspector-empty").contains("No step selected"));
}
