//! Words for the windowed editor (a text too large to live whole in the textarea, see
//! [`crate::window`]).

use super::Lang;

/// The note under a windowed editor: what the browser's find and Select All do there.
pub fn hint(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Large text: the editor holds only the lines around the view, so the browser's find (Ctrl+F) searches those lines only. Ctrl+A selects the whole text (copy, cut, typing over it).",
        Lang::Ja => "大きなテキスト: エディタは表示位置の前後の行だけを保持するため、ブラウザの検索 (Ctrl+F) はその範囲しか探せません。Ctrl+A はテキスト全体を選択します（コピー、切り取り、上書き入力）。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_find_in_both_languages() {
        for lang in [Lang::En, Lang::Ja] {
            assert!(hint(lang).contains("Ctrl+F") && hint(lang).contains("Ctrl+A"));
        }
        assert!(hint(Lang::Ja).chars().any(|c| u32::from(c) > 0x3000));
    }
}
