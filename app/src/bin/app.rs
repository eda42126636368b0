//! Mounts the lab on the page (Trunk builds this binary to wasm; see `index.html`).

fn main() {
    yew::Renderer::<app::App>::new().render();
}
