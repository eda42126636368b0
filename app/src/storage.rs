//! What the browser keeps between visits: the editor's text and the chosen language.
//!
//! The values come back from `localStorage`, which anything on the same origin (or a user
//! with the developer tools) can fill with anything, so [`restore_text`] checks them before
//! the lab trusts them: a stored value that is too large or not what the lab wrote is
//! ignored, never fatal. The `localStorage` calls themselves are in `components::app`.

use crate::i18n::Lang;

/// The key of the editor's text. The `v1` is bumped if the format ever changes.
pub const TEXT_KEY: &str = "packetlab.manifests.v1";
/// The key of the chosen language.
pub const LANG_KEY: &str = "packetlab.lang";
/// The largest text the lab stores or restores (bytes of UTF-8). 1,000 Services with 10
/// endpoints each, written out as YAML, fit well below it.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Why a stored text was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejected {
    TooLarge,
    /// NUL or other control characters a YAML editor never produces.
    NotText,
}

/// The stored text if the lab can use it; `Ok(None)` when nothing was stored.
pub fn restore_text(stored: Option<String>) -> Result<Option<String>, Rejected> {
    let Some(text) = stored else { return Ok(None) };
    if text.len() > MAX_TEXT_BYTES {
        return Err(Rejected::TooLarge);
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Rejected::NotText);
    }
    Ok(Some(text))
}

/// Whether `text` may be stored (too large a text is simply not saved).
pub fn storable(text: &str) -> bool {
    text.len() <= MAX_TEXT_BYTES
}

/// The stored language, if it is one the lab knows.
pub fn restore_lang(stored: Option<String>) -> Option<Lang> {
    let stored = stored?;
    Lang::ALL.into_iter().find(|lang| lang.tag() == stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_comes_back() {
        assert_eq!(restore_text(None), Ok(None));
        let text = "apiVersion: v1\r\nkind: Pod\n\tx: 名前\n".to_string();
        assert_eq!(restore_text(Some(text.clone())), Ok(Some(text)));
        assert_eq!(restore_text(Some(String::new())), Ok(Some(String::new())));
    }

    #[test]
    fn hostile_values_are_ignored() {
        assert_eq!(restore_text(Some("a".repeat(MAX_TEXT_BYTES + 1))), Err(Rejected::TooLarge));
        assert_eq!(restore_text(Some("kind: Pod\0".into())), Err(Rejected::NotText));
        assert_eq!(restore_text(Some("\u{1b}[31m".into())), Err(Rejected::NotText));
        assert!(restore_text(Some("a".repeat(MAX_TEXT_BYTES))).is_ok());
        assert!(!storable(&"a".repeat(MAX_TEXT_BYTES + 1)));
    }

    #[test]
    fn languages_are_checked() {
        assert_eq!(restore_lang(Some("ja".into())), Some(Lang::Ja));
        assert_eq!(restore_lang(Some("en".into())), Some(Lang::En));
        assert_eq!(restore_lang(Some("<script>".into())), None);
        assert_eq!(restore_lang(None), None);
    }
}
