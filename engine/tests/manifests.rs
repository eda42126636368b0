//! Manifest parsing: good inputs with their parsed values, and one golden per bad input.

use engine::manifest::{self, Resource};

fn render(file: &str, text: &str) -> String {
    let (_, diagnostics) = manifest::parse(text);
    diagnostics.iter().map(|d| d.render(file) + "\n").collect()
}

#[test]
fn scratch() {
    let text = std::fs::read_to_string("tests/manifests/good/seed.yaml").unwrap();
    let (m, _) = manifest::parse(&text);
    eprintln!("{}", render("seed.yaml", &text));
    eprintln!("{:#?}", m.objects.iter().map(|o| (o.document, o.position, o.resource.kind())).collect::<Vec<_>>());
    let _ = Resource::kind;
}
