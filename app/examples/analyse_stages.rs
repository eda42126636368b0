//! Times each stage of the page's edit -> diagram path natively on the 1,000 Services x 10
//! endpoints text of e2e/measure.mjs: `cargo run -p app --release --example analyse_stages`.
//! Figures are printed (median of the runs), never asserted; BENCHMARKS.md records them.

use std::time::Instant;

use std::rc::Rc;

use app::analysis::{Analyser, analyse};
use app::i18n::Lang;
use app::scene::Scene;
use app::state::{Action, AppState};
use yew::Reducible;

#[path = "../../engine/benches/common/load_text.rs"]
mod load_text;

const RUNS: usize = 15;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut values = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        values.push(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    match last {
        Some(out) => (median(values), out),
        None => unreachable!("runs > 0"),
    }
}

fn main() {
    let text = load_text::manifest_text(1000, 10);
    if std::env::args().any(|arg| arg == "--profile-incremental") {
        // For `perf record`: only the analyser on alternating one-line edits.
        let mut analyser = Analyser::default();
        for round in 0..200 {
            let typed = text.replacen("name: svc-0\n", &format!("name: svc-0q{}\n", round % 2), 1);
            std::hint::black_box(analyser.run(&typed));
        }
        return;
    }
    // The measure's edit: `q` typed at the end of the first Service's name.
    let edited = text.replacen("name: svc-0\n", "name: svc-0q\n", 1);
    println!("text: {} bytes, {} lines", text.len(), text.lines().count());
    let (yaml, _) = time(RUNS, || engine::yaml::load(&edited));
    let (parse, (manifests, _)) = time(RUNS, || engine::manifest::parse(&edited));
    println!("objects: {}", manifests.objects.len());
    let (build, (cluster, _)) = time(RUNS, || engine::cluster::build(&manifests));
    println!("cluster: {} services, {} slices, {} pods", cluster.services.len(), cluster.endpoint_slices.len(), cluster.pods.len());
    let (hosts_ms, hosts) = time(RUNS, || engine::dataplane::hosts(&cluster));
    let (scene_ms, scene) = time(RUNS, || Scene::new(&cluster, &hosts));
    let (whole, (_, before)) = time(RUNS, || analyse(&text));
    let (_, (_, after)) = time(1, || analyse(&edited));
    let (compare, same) = time(RUNS, || {
        before.scene == after.scene && before.hosts == after.hosts && before.cluster == after.cluster
    });
    let (compare_equal, _) = time(RUNS, || {
        after.scene == after.scene.clone() && after.hosts == after.hosts.clone() && after.cluster == after.cluster.clone()
    });
    let (layout_ms, _) = time(RUNS, || app::layout::layout(&scene, 1000.0));
    let mut analyser = Analyser::default();
    analyser.run(&text);
    let mut flip = false;
    let (incremental, _) = time(RUNS, || {
        flip = !flip;
        analyser.run(if flip { &edited } else { &text })
    });
    let mut parser = engine::manifest::Parser::default();
    parser.parse(&text);
    let (incremental_parse, _) = time(RUNS, || {
        flip = !flip;
        parser.parse(if flip { &edited } else { &text }).1
    });
    // The reducer's whole edit -> analysis path (Edit, then Analyse after the pause), from one
    // state, with a different name each time so every analysis has one changed document.
    let state = Rc::new(AppState::new(text.clone(), Lang::En, false));
    let mut round = 0usize;
    let (reducer, _) = time(RUNS, || {
        round += 1;
        let typed: Rc<str> = Rc::from(text.replacen("name: svc-0\n", &format!("name: svc-0q{round}\n"), 1));
        Rc::clone(&state).reduce(Action::Edit(typed)).reduce(Action::Analyse)
    });
    println!("yaml::load              {yaml:8.2} ms");
    println!("manifest::parse (all)   {parse:8.2} ms");
    println!("cluster::build          {build:8.2} ms");
    println!("dataplane::hosts        {hosts_ms:8.2} ms");
    println!("Scene::new              {scene_ms:8.2} ms");
    println!("analyse (whole)         {whole:8.2} ms");
    println!("compare (equal: {same})  {compare:8.2} ms");
    println!("compare (equal, +clone) {compare_equal:8.2} ms");
    println!("layout                  {layout_ms:8.2} ms");
    println!("Parser::parse (edit)    {incremental_parse:8.2} ms");
    println!("Analyser::run (edit)    {incremental:8.2} ms");
    println!("reducer Edit+Analyse    {reducer:8.2} ms");
}
