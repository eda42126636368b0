//! The manifest editor: a `<textarea>` over a highlighted `<pre>` (the overlay technique),
//! with line numbers and the engine's diagnostics in place.
//!
//! The textarea's text is transparent and its caret visible; the `<pre>` under it draws the
//! same characters in colour from [`crate::highlight`], with a wavy underline from each
//! diagnostic's column. Both use the same font, size, line height and padding and never
//! wrap, and scrolling the textarea scrolls the `<pre>` and the gutter with it.
//!
//! Only the lines in view (plus a margin) are drawn, in the gutter and in the overlay; each
//! is a block moved into place with a CSS transform from the textarea's scroll position, so a
//! 50,000-line paste costs a few hundred elements and no text for the lines out of view (the
//! lines above and below used to be drawn as newlines: the browser laid out all of them again
//! on every keystroke, about two thirds of a keystroke's time for a 1.7 MB text). The text
//! itself is shared (`Rc<str>`) and compared by pointer, never copied per keystroke.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use engine::diagnostic::Severity;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::highlight::{self, Kind};
use crate::i18n::problems::problem_text;
use crate::i18n::{Lang, Msg};
use crate::analysis::Analysis;
use crate::state::Jump;

/// The editor's line height in CSS pixels (`--code-line` in style.css).
pub const LINE_HEIGHT: f64 = 20.0;
/// Lines drawn above and below the visible ones, so that scrolling never shows a gap.
pub const OVERSCAN: usize = 40;

/// The lines (0-based, end exclusive) to draw for a scroll position and viewport height.
pub fn visible_lines(scroll_top: f64, height: f64, total: usize) -> std::ops::Range<usize> {
    let scroll_top = if scroll_top.is_finite() { scroll_top.max(0.0) } else { 0.0 };
    let height = if height.is_finite() { height.clamp(0.0, 10_000.0) } else { 0.0 };
    let first = (scroll_top / LINE_HEIGHT).floor() as usize;
    let shown = (height / LINE_HEIGHT).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(total);
    let end = first.saturating_add(shown).saturating_add(OVERSCAN).min(total);
    start..end.max(start)
}

#[derive(Properties, Clone)]
pub struct EditorProps {
    pub text: Rc<str>,
    pub lang: Lang,
    pub analysis: Rc<Analysis>,
    pub jump: Option<Jump>,
    pub on_input: Callback<Rc<str>>,
    pub on_undo: Callback<()>,
    pub on_redo: Callback<()>,
}

impl PartialEq for EditorProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.text, &other.text)
            && self.lang == other.lang
            && Rc::ptr_eq(&self.analysis, &other.analysis)
            && self.jump == other.jump
    }
}

/// The worst problem on each line and the column it starts at.
fn marks(analysis: &Analysis) -> BTreeMap<usize, (Severity, usize)> {
    let mut marks = BTreeMap::new();
    for diagnostic in &analysis.diagnostics {
        if diagnostic.severity == Severity::Info {
            continue;
        }
        let Some(position) = diagnostic.position else { continue };
        marks
            .entry(position.line)
            .and_modify(|mark: &mut (Severity, usize)| {
                if diagnostic.severity < mark.0 {
                    *mark = (diagnostic.severity, position.column);
                }
            })
            .or_insert((diagnostic.severity, position.column));
    }
    marks
}

/// The problems of each line, one per line of text, in `lang`: the gutter's hover title.
fn line_titles(analysis: &Analysis, lang: Lang) -> BTreeMap<usize, String> {
    let mut titles: BTreeMap<usize, String> = BTreeMap::new();
    for diagnostic in analysis.diagnostics.iter().filter(|d| d.severity != Severity::Info) {
        let Some(position) = diagnostic.position else { continue };
        let title = titles.entry(position.line).or_default();
        if !title.is_empty() {
            title.push('\n');
        }
        title.push_str(&problem_text(&diagnostic.problem, lang));
    }
    titles
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "mark-error",
        Severity::Warning => "mark-warning",
        Severity::Info => "mark-info",
    }
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let textarea_ref = use_node_ref();
    // The blocks holding the drawn lines, moved by `place`.
    let pre_ref = use_node_ref();
    let gutter_ref = use_node_ref();
    // The first drawn line of the last render, for `place` between renders.
    let drawn_start = use_mut_ref(|| 0usize);
    // The last text read from the textarea: when it comes back as props, the textarea
    // already shows it and is left alone.
    let typed: Rc<RefCell<Option<Rc<str>>>> = use_mut_ref(|| None);
    // The drawn window of lines, from the textarea's scroll position.
    let window = use_state_eq(|| visible_lines(0.0, 1200.0, usize::MAX));
    // Keyed on the analysis's identity (a new analysis is a new Rc): comparing two lists of
    // diagnostics would cost more than the marks, and link a deep comparison into the page.
    let identity = Rc::as_ptr(&props.analysis) as usize;
    let marks = use_memo(identity, {
        let analysis = Rc::clone(&props.analysis);
        move |_| marks(&analysis)
    });
    let titles = use_memo((identity, props.lang), {
        let analysis = Rc::clone(&props.analysis);
        move |(_, lang)| line_titles(&analysis, *lang)
    });

    let on_input = {
        let on_input = props.on_input.clone();
        let typed = typed.clone();
        Callback::from(move |event: InputEvent| {
            let textarea: HtmlTextAreaElement = event.target_unchecked_into();
            let text: Rc<str> = Rc::from(textarea.value());
            *typed.borrow_mut() = Some(Rc::clone(&text));
            on_input.emit(text);
        })
    };
    let source_lines: Vec<&str> = props.text.split('\n').collect();
    let total_lines = source_lines.len();
    // Moves the drawn lines to where the textarea shows them.
    let place = {
        let (textarea_ref, pre_ref, gutter_ref) = (textarea_ref.clone(), pre_ref.clone(), gutter_ref.clone());
        let drawn_start = drawn_start.clone();
        move || {
            let Some(textarea) = textarea_ref.cast::<HtmlElement>() else { return };
            let top = *drawn_start.borrow() as f64 * LINE_HEIGHT - f64::from(textarea.scroll_top());
            let left = -f64::from(textarea.scroll_left());
            if let Some(pre) = pre_ref.cast::<HtmlElement>() {
                let (left, top) = (crate::number::fixed1(left), crate::number::fixed1(top));
                let _ = pre.style().set_property("transform", &format!("translate({left}px, {top}px)"));
            }
            if let Some(gutter) = gutter_ref.cast::<HtmlElement>() {
                let _ = gutter.style().set_property("transform", &format!("translateY({}px)", crate::number::fixed1(top)));
            }
        }
    };
    let sync_scroll = {
        let textarea_ref = textarea_ref.clone();
        let window = window.clone();
        let place = place.clone();
        move || {
            let Some(textarea) = textarea_ref.cast::<HtmlElement>() else { return };
            window.set(visible_lines(
                f64::from(textarea.scroll_top()),
                f64::from(textarea.client_height()),
                usize::MAX,
            ));
            place();
        }
    };
    let on_scroll = {
        let sync_scroll = sync_scroll.clone();
        Callback::from(move |_: Event| sync_scroll())
    };
    let on_keydown = {
        let (on_undo, on_redo) = (props.on_undo.clone(), props.on_redo.clone());
        Callback::from(move |event: KeyboardEvent| {
            if !(event.ctrl_key() || event.meta_key()) {
                return;
            }
            let key = event.key().to_lowercase();
            // The lab keeps its own history (the browser's is lost when the text is replaced).
            if key == "z" && !event.shift_key() {
                event.prevent_default();
                on_undo.emit(());
            } else if (key == "z" && event.shift_key()) || key == "y" {
                event.prevent_default();
                on_redo.emit(());
            }
        })
    };

    // The textarea is not controlled by Yew: setting `value` on every render makes the browser
    // lay out the whole text again (seconds for a 1 MB paste). Only texts that did not come
    // from typing (undo, redo, examples, the first render) are written into it.
    use_effect_with(Rc::clone(&props.text), {
        let textarea_ref = textarea_ref.clone();
        let typed = typed.clone();
        move |text| {
            let from_typing = typed.borrow().as_ref().is_some_and(|typed| Rc::ptr_eq(typed, text));
            if !from_typing
                && let Some(textarea) = textarea_ref.cast::<HtmlTextAreaElement>()
                && textarea.value() != **text
            {
                textarea.set_value(text);
            }
        }
    });

    // A click in the diagnostics list: put the caret there and scroll the line into view.
    use_effect_with(props.jump, {
        let textarea_ref = textarea_ref.clone();
        let text = Rc::clone(&props.text);
        move |jump| {
            if let (Some(jump), Some(textarea)) = (jump, textarea_ref.cast::<HtmlTextAreaElement>()) {
                let offset = utf16_offset(&text, jump.line, jump.column);
                let _ = textarea.focus();
                let _ = textarea.set_selection_range(offset, offset);
                let top = (jump.line.saturating_sub(1) as f64) * LINE_HEIGHT - f64::from(textarea.client_height()) / 2.0;
                textarea.set_scroll_top(top.max(0.0) as i32);
                sync_scroll();
            }
        }
    });

    let start = window.start.min(total_lines);
    let end = window.end.min(total_lines).max(start);
    let lines = highlight::highlight_range(&source_lines, start..end);
    *drawn_start.borrow_mut() = start;
    // After every render: the window may have moved, or the textarea scrolled (typing at the
    // bottom edge scrolls it without a scroll event reaching here first).
    use_effect(place);
    html! {
        <div class="editor">
            <pre class="gutter" aria-hidden="true">
                <span class="drawn" ref={gutter_ref}>
                    { for (start + 1..=end).map(|number| {
                        let mark = marks.get(&number).map(|(severity, _)| severity_class(*severity));
                        let title = titles.get(&number).cloned();
                        html! { <span class={classes!("gutter-line", mark)} data-line={number.to_string()} {title}>{ number }{ "\n" }</span> }
                    }) }
                </span>
            </pre>
            <div class="code">
                <pre class="highlight" aria-hidden="true">
                    <span class="drawn" ref={pre_ref}>
                        { for (start..end).map(|index| {
                            let line = source_lines.get(index).copied().unwrap_or("");
                            let spans = lines.get(index - start).map(Vec::as_slice).unwrap_or_default();
                            let mark = marks.get(&(index + 1));
                            render_line(line, spans, mark.copied())
                        }) }
                    </span>
                </pre>
                <textarea
                    id="manifest"
                    ref={textarea_ref}
                    class="source"
                    aria-label={Msg::EditorLabel.text(props.lang)}
                    aria-describedby="diagnostics-summary"
                    spellcheck="false"
                    autocomplete="off"
                    autocapitalize="off"
                    wrap="off"
                    oninput={on_input}
                    onscroll={on_scroll}
                    onkeydown={on_keydown}
                />
            </div>
        </div>
    }
}

/// One highlighted line, underlined from the diagnostic's column when it has one.
fn render_line(line: &str, spans: &[highlight::Span], mark: Option<(Severity, usize)>) -> Html {
    let pieces: Vec<(highlight::Span, bool)> = match mark {
        Some((_, column)) => highlight::split_at_column(line, spans, column),
        None => spans.iter().cloned().map(|span| (span, false)).collect(),
    };
    let line_class = mark.map(|(severity, _)| match severity {
        Severity::Error => "line-error",
        _ => "line-warning",
    });
    html! {
        <span class={classes!("line", line_class)}>
            { for pieces.into_iter().map(|(span, marked)| {
                let text = line.get(span.range.clone()).unwrap_or("").to_string();
                let class = classes!(span.kind.class(), marked.then_some("squiggle"));
                if span.kind == Kind::Plain && !marked {
                    html! { { text } }
                } else {
                    html! { <span {class}>{ text }</span> }
                }
            }) }
            { "\n" }
        </span>
    }
}

/// The caret offset (in UTF-16 code units, as the DOM counts) of a 1-based line and column.
pub fn utf16_offset(text: &str, line: usize, column: usize) -> u32 {
    let mut offset = 0usize;
    for (index, content) in text.split('\n').enumerate() {
        if index + 1 == line {
            let within: usize = content.chars().take(column.saturating_sub(1)).map(char::len_utf16).sum();
            return u32::try_from(offset + within).unwrap_or(u32::MAX);
        }
        offset += content.encode_utf16().count() + 1;
    }
    u32::try_from(offset.saturating_sub(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lines_in_view_are_drawn() {
        // At the top of a 50,000-line text in a 600 px editor: the 31 visible lines and the margin.
        assert_eq!(visible_lines(0.0, 600.0, 50_000), 0..(31 + OVERSCAN));
        // Scrolled to line 1,000 (0-based): the margin on both sides.
        assert_eq!(visible_lines(1000.0 * LINE_HEIGHT, 600.0, 50_000), (1000 - OVERSCAN)..(1031 + OVERSCAN));
        // Near the end and past it, the window stops at the last line.
        assert_eq!(visible_lines(49_990.0 * LINE_HEIGHT, 600.0, 50_000), (49_990 - OVERSCAN)..50_000);
        assert_eq!(visible_lines(1e12, 600.0, 10), 10..10);
        assert_eq!(visible_lines(f64::NAN, f64::INFINITY, 10), 0..10);
        assert_eq!(visible_lines(0.0, 600.0, 0), 0..0);
    }

    #[test]
    fn gutter_titles_word_the_problems_in_the_language() {
        let (analysis, _) = crate::analysis::analyse("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  selecter: {}\n");
        let en = line_titles(&analysis, Lang::En);
        let ja = line_titles(&analysis, Lang::Ja);
        let line = analysis.diagnostics.iter().find(|d| d.severity == Severity::Warning).and_then(|d| d.position).map(|p| p.line);
        let line = line.expect("a warning with a position");
        assert!(en.get(&line).is_some_and(|t| t.contains("`selecter`") && t.is_ascii()), "{en:?}");
        assert!(ja.get(&line).is_some_and(|t| t.contains("`selecter`") && !t.is_ascii()), "{ja:?}");
    }

    #[test]
    fn caret_offsets_count_utf16_units() {
        let text = "a: 1\n名前: 🙂x\nlast";
        assert_eq!(utf16_offset(text, 1, 1), 0);
        assert_eq!(utf16_offset(text, 2, 1), 5);
        // 名, 前, :, space, then the emoji is two UTF-16 units.
        assert_eq!(utf16_offset(text, 2, 6), 5 + 4 + 2);
        assert_eq!(utf16_offset(text, 3, 3), 5 + 7 + 1 + 2);
        // Past the end: the end of the text.
        assert_eq!(utf16_offset(text, 9, 1), 17);
    }
}
