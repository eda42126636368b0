//! The tracer module: Send, the step player, the inspector, Send 1,000 and the terminal,
//! loaded by the page the first time the reader reaches for them (Trunk builds this binary
//! as a second wasm file, `tracer.js` + `tracer_bg.wasm`; see `index.html` and
//! `app::bridge`). Only the two exports below are its interface.

use wasm_bindgen::prelude::*;

/// The page's listener: every message for the page goes to it from now on.
#[wasm_bindgen]
pub fn connect(listener: js_sys::Function) {
    app::bridge::listen(listener);
}

/// The picture to work on (its revision and the text it was built from) and the language.
#[wasm_bindgen]
pub fn update(revision: f64, text: String, lang: String) {
    app::bridge::tracer_update(revision, text, &lang);
}

fn main() {
    app::components::tracer::mount();
}
