//! The "Send 1,000" histogram mounted in a real browser with a real spread from the engine:
//! `cargo test -p app --target wasm32-unknown-unknown --test histogram_web`.
#![cfg(target_arch = "wasm32")]
// `#[wasm_bindgen_test]` is not `#[test]` to clippy, so its test allowances do not apply.
#![allow(clippy::expect_used)]

use std::rc::Rc;

use app::components::histogram::{Histogram, HistogramProps};
use app::examples::Example;
use app::i18n::Lang;
use engine::cluster::Cluster;
use engine::trace::{Lab, Session};
use gloo::timers::future::TimeoutFuture;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

/// The histogram of `runs` connections from `from` to the URL `url` names in the example's cluster.
async fn mount(example: Example, url: fn(&Cluster) -> String, from: &str, runs: u64, lang: Lang) -> Element {
    let (manifests, _) = engine::manifest::parse(example.text());
    let (cluster, _) = engine::cluster::build(&manifests);
    let url = url(&cluster);
    let lab = Lab::new(cluster);
    let spread = Rc::new(engine::trace::spread(&lab, &Session::new(5), from, &url, runs));
    let document = web_sys::window().and_then(|w| w.document()).expect("a document");
    let root = document.create_element("div").expect("div");
    document.body().expect("body").append_child(&root).expect("append");
    yew::Renderer::<Histogram>::with_root_and_props(root.clone(), HistogramProps { spread, lang }).render();
    TimeoutFuture::new(50).await;
    root
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|node| node.text_content()).collect()
}

#[wasm_bindgen_test]
async fn three_thirds_then_affinity_in_japanese() {
    let root = mount(Example::SessionAffinity, |_| "http://172.16.120.63:31090/".into(), "client", 200, Lang::Ja).await;
    // One bar group per pod, each with the exact odds as a fraction and a percentage.
    let rows = texts(&root, "svg g.histogram-row text.figures:not(.observed-figures)");
    assert_eq!(rows, vec!["1/3 (33.3 %)"; 3]);
    assert_eq!(texts(&root, "figcaption"), ["200 回の接続の行き先"]);
    // The screen-reader table has the same three rows, and the whole run on one pod.
    let counts = texts(&root, "table tbody td:nth-child(3)");
    let mut sorted = counts.clone();
    sorted.sort();
    assert_eq!(sorted, ["0", "0", "200"]);
    // Affinity: the counts do not fit independent thirds.
    let verdict = texts(&root, "p.chi-square.misfit");
    assert!(verdict.first().is_some_and(|v| v.contains("自由度 2") && v.contains("合いません")), "{verdict:?}");
}

#[wasm_bindgen_test]
async fn two_halves_fit() {
    let cluster_ip = |cluster: &Cluster| {
        let ip = cluster.services.iter().find(|s| s.name == "sample-service").and_then(|s| s.cluster_ip);
        format!("http://{}:8080/", ip.expect("a ClusterIP"))
    };
    let root = mount(Example::ClusterIp, cluster_ip, "node1", 400, Lang::En).await;
    assert_eq!(texts(&root, "svg g.histogram-row text.figures:not(.observed-figures)").iter().filter(|t| *t == "1/2 (50.0 %)").count(), 2);
    let widths: Vec<f64> = {
        let list = root.query_selector_all("rect.expected").expect("bars");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<Element>(node).ok())
            .filter_map(|rect| rect.get_attribute("width")?.parse().ok())
            .collect()
    };
    // Both expected bars are as long as each other and never longer than the chart.
    assert!(widths.len() >= 2 && widths.iter().all(|w| *w > 0.0 && *w <= 300.0), "{widths:?}");
    let verdict = texts(&root, "p.chi-square");
    assert!(verdict.first().is_some_and(|v| v.contains("df 1") && v.contains("fit the exact odds")), "{verdict:?}");
}
