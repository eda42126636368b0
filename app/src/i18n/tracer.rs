//! Words for the tracer's place on the page before it is loaded (see [`crate::bridge`]).

use super::Lang;

/// What the page says where the tracer's panels will be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum T {
    /// Before anything was asked for.
    Idle,
    /// The button that loads it.
    Load,
    Loading,
    /// The first words of a failure; the browser's reason follows.
    Failed,
    Retry,
}

impl T {
    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => match self {
                T::Idle => "Sending connections, the step-by-step player, the inspector and the terminal load when you first use them.",
                T::Load => "Load the tracer",
                T::Loading => "Loading the tracer…",
                T::Failed => "The tracer could not be loaded:",
                T::Retry => "Try again",
            },
            Lang::Ja => match self {
                T::Idle => "接続の送信、ステップ再生、インスペクタ、ターミナルは、最初に使うときに読み込まれます。",
                T::Load => "トレーサーを読み込む",
                T::Loading => "トレーサーを読み込み中…",
                T::Failed => "トレーサーを読み込めませんでした:",
                T::Retry => "再試行",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_say_something_different() {
        for t in [T::Idle, T::Load, T::Loading, T::Failed, T::Retry] {
            let (en, ja) = (t.text(Lang::En), t.text(Lang::Ja));
            assert!(!en.is_empty() && !ja.is_empty() && en != ja, "{t:?}");
            assert!(ja.chars().any(|c| u32::from(c) > 0x3000), "{t:?} is not Japanese: {ja}");
        }
    }
}
