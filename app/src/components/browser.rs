//! The few browser calls the app makes (`localStorage`, `navigator.language`, the root
//! element's `lang`), each one failing quietly: private windows, disabled storage or a
//! full quota must never break the page.

use web_sys::window;

/// `localStorage.getItem(key)`, or `None` when storage is unavailable.
pub fn load(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

/// `localStorage.setItem(key, value)`; false when it could not be saved.
pub fn save(key: &str, value: &str) -> bool {
    window()
        .and_then(|window| window.local_storage().ok().flatten())
        .is_some_and(|storage| storage.set_item(key, value).is_ok())
}

/// `navigator.language`, e.g. `ja-JP`.
pub fn browser_language() -> Option<String> {
    window()?.navigator().language()
}

/// Sets `<html lang>` so that screen readers and fonts follow the chosen language.
pub fn set_document_lang(tag: &str) {
    if let Some(root) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", tag);
    }
}

/// `matchMedia('(prefers-reduced-motion: reduce)').matches`.
pub fn prefers_reduced_motion() -> bool {
    window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|query| query.matches())
}

/// `fetch(path)` on the page's own origin, the body as text; `None` on any failure (offline,
/// 404, not text). The page's Content-Security-Policy allows only `connect-src 'self'`.
pub async fn fetch_text(path: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let response = JsFuture::from(window()?.fetch_with_str(path)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}
