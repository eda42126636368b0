//! Mounts the page: editor, diagnostics and diagram (Trunk builds this binary to the wasm the
//! page loads first; see `index.html`). The tracer is a second module, `bin/tracer.rs`.

fn main() {
    yew::Renderer::<app::App>::new().render();
}
