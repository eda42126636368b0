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
    use crate::examples::Example;
    use crate::state::{Announcement, AppState};

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

    /// The first state as `components::app` builds it from what `localStorage` gave back.
    fn first_state(stored: Option<String>) -> AppState {
        match restore_text(stored) {
            Ok(Some(text)) => AppState::new(text, Lang::En, false),
            Ok(None) => AppState::new(Example::default_text().to_string(), Lang::En, false),
            Err(_) => AppState::new(Example::default_text().to_string(), Lang::En, true),
        }
    }

    #[test]
    fn too_long_is_counted_in_bytes() {
        // 349,526 three-byte characters: fewer characters than the limit, more bytes.
        let wide = "名".repeat(MAX_TEXT_BYTES / 3 + 1);
        assert!(wide.chars().count() < MAX_TEXT_BYTES);
        assert_eq!(restore_text(Some(wide.clone())), Err(Rejected::TooLarge));
        assert!(!storable(&wide));
        let fits = "名".repeat(MAX_TEXT_BYTES / 3);
        assert_eq!(restore_text(Some(fits.clone())), Ok(Some(fits.clone())));
        assert!(storable(&fits));
        // Far too long (16 MiB) is refused the same way, before anything looks at the text.
        assert_eq!(restore_text(Some("\0".repeat(16 << 20))), Err(Rejected::TooLarge));
    }

    #[test]
    fn control_characters_anywhere_are_refused() {
        let manifest = Example::DEFAULT.text();
        let middle = manifest.len() / 2;
        let middle = (0..=middle).rev().find(|&index| manifest.is_char_boundary(index)).unwrap_or(0);
        let (head, tail) = manifest.split_at(middle);
        for bad in ["\0", "\u{7}", "\u{b}", "\u{c}", "\u{7f}", "\u{85}", "\u{9b}"] {
            for text in
                [bad.to_string(), format!("{bad}{manifest}"), format!("{head}{bad}{tail}"), format!("{manifest}{bad}")]
            {
                assert_eq!(restore_text(Some(text.clone())), Err(Rejected::NotText), "{text:?}");
            }
        }
        // Unusual but printable text a user may paste is kept: it is shown, never run.
        for odd in ["\u{feff}kind: Pod\n", "name: \u{202e}evil\n", "# 🚀\u{200d}\n", "\r\n\r\n"] {
            assert_eq!(restore_text(Some(odd.to_string())), Ok(Some(odd.to_string())));
        }
    }

    #[test]
    fn a_refused_text_loads_the_example_and_says_so() {
        for stored in ["kind: Pod\0".to_string(), "a".repeat(MAX_TEXT_BYTES + 1)] {
            let state = first_state(Some(stored));
            assert_eq!(&*state.text, Example::DEFAULT.text());
            assert_eq!(state.announcement, Announcement::StorageIgnored);
            assert_eq!(state.analysis.errors, 0);
            assert!(state.picture.is_some());
        }
        let state = first_state(None);
        assert_eq!(&*state.text, Example::DEFAULT.text());
        assert!(matches!(state.announcement, Announcement::Updated { .. }));
    }

    #[test]
    fn a_thousand_documents_come_back_and_build() {
        let mut services = String::new();
        for index in 0..1_000 {
            services.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s{index}\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n"
            ));
        }
        assert!(storable(&services));
        let state = first_state(Some(services.clone()));
        assert_eq!(&*state.text, services.as_str());
        assert_eq!(state.announcement, Announcement::Updated { nodes: 3, pods: 2, services: 1_002 });
        assert_eq!(state.analysis.errors, 0);
        // Each Service selects pods that do not exist: one warning each, and the lab's own two
        // Services (kubernetes, kube-dns) beside them in the diagram.
        assert_eq!(state.analysis.diagnostics.iter().filter(|d| d.path == "spec.selector").count(), 1_000);
        assert_eq!(state.picture.as_ref().map(|picture| picture.scene.services.len()), Some(1_002));
        // 1,000 empty documents are the empty text; 1,000 broken ones are 1,000 errors, and the
        // page still has a (stale) picture to show.
        let empty = first_state(Some("---\n".repeat(1_000)));
        assert_eq!(empty.announcement, first_state(Some(String::new())).announcement);
        assert_eq!(empty.analysis.errors, 0);
        let broken = first_state(Some("---\nkind: [\n".repeat(1_000)));
        assert!(matches!(broken.announcement, Announcement::Errors { errors: 1_000, first_line: Some(_) }));
        assert!(broken.picture.is_some() && broken.picture_is_stale);
    }

    #[test]
    fn languages_are_checked() {
        assert_eq!(restore_lang(Some("ja".into())), Some(Lang::Ja));
        assert_eq!(restore_lang(Some("en".into())), Some(Lang::En));
        assert_eq!(restore_lang(Some("<script>".into())), None);
        assert_eq!(restore_lang(None), None);
        // Only the exact tags the lab writes: no case folding, regions, blanks, NULs or floods.
        for unknown in ["", "JA", "Ja", "ja-JP", "en-US", " ja", "ja\n", "ja\0", "\0", "de", "日本語"] {
            assert_eq!(restore_lang(Some(unknown.to_string())), None, "{unknown:?}");
        }
        assert_eq!(restore_lang(Some("ja".repeat(MAX_TEXT_BYTES))), None);
    }
}
