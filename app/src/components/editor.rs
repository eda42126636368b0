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
use std::ops::Range;
use std::rc::Rc;

use engine::diagnostic::Severity;
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::highlight::{self, Kind};
use crate::i18n::problems::problem_text;
use crate::i18n::{Lang, Msg};
use crate::analysis::Analysis;
use crate::state::Jump;
use crate::window::{self, Pos, Sel, Window};

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

/// An analysis compared by identity (each analysis is a new `Rc`), as the memos' key: comparing
/// every diagnostic on each render cost time and a few KB of wasm.
struct Same(Rc<Analysis>);

impl PartialEq for Same {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
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

/// What the editor keeps about a windowed textarea (see [`crate::window`]) between events.
#[derive(Default)]
struct Big {
    /// The whole text the textarea's window is cut from; `None` while the textarea holds the
    /// whole text (small texts).
    text: Option<Rc<str>>,
    window: Window,
    /// The whole text's number of lines.
    total: usize,
    /// Ctrl+A was pressed: while the textarea's whole window stays selected, the selection
    /// means the whole text (copy, cut and typing act on all of it).
    all: bool,
    /// The selection while the window holds other lines (the view went far from it): the
    /// textarea's caret is hidden, and the next key press brings the selection back.
    detached: Option<Sel>,
    /// Where the textarea's caret was parked for a detached selection (UTF-16 offset).
    parked: u32,
    /// A mouse button is down in the textarea: a drag selection must keep its lines.
    dragging: bool,
}

/// The text's scroll position (top, left) and visible height, whichever element scrolls it.
fn scroll_of(textarea: &HtmlTextAreaElement, scroller: &HtmlElement) -> (f64, f64, f64) {
    (
        f64::from(scroller.scroll_top().saturating_add(textarea.scroll_top())),
        f64::from(scroller.scroll_left().saturating_add(textarea.scroll_left())),
        f64::from(scroller.client_height().min(textarea.client_height())),
    )
}

/// The lines (0-based) at least partly in view.
fn view(top: f64, height: f64) -> Range<usize> {
    let first = (top / LINE_HEIGHT) as usize;
    first..first + (height / LINE_HEIGHT) as usize + 2
}

/// A number of lines in CSS pixels.
fn px(lines: usize) -> String {
    format!("{}px", lines.saturating_mul(LINE_HEIGHT as usize))
}

/// The textarea's selection, its window starting at line `first` of the whole text.
fn selection(textarea: &HtmlTextAreaElement, first: usize) -> Sel {
    let value = textarea.value();
    let start = textarea.selection_start().ok().flatten().unwrap_or(0);
    let end = textarea.selection_end().ok().flatten().unwrap_or(start);
    let backward = textarea.selection_direction().ok().flatten().as_deref() == Some("backward");
    Sel { start: window::position(&value, first, start), end: window::position(&value, first, end), backward }
}

/// Whether the textarea's whole value is selected.
fn all_selected(textarea: &HtmlTextAreaElement) -> bool {
    textarea.selection_start().ok().flatten() == Some(0) && textarea.selection_end().ok().flatten() == Some(textarea.text_length())
}

impl Big {
    /// The selection in the whole text: the detached one while the textarea's caret is still
    /// where it was parked (else something, a click or a script, has placed it since).
    fn selection(&mut self, textarea: &HtmlTextAreaElement) -> Sel {
        let now = (textarea.selection_start().ok().flatten(), textarea.selection_end().ok().flatten());
        match self.detached {
            Some(sel) if now == (Some(self.parked), Some(self.parked)) => sel,
            _ => {
                self.attach(textarea);
                selection(textarea, self.window.start_line)
            }
        }
    }

    /// Forgets a detached selection and shows the textarea's caret again.
    fn attach(&mut self, textarea: &HtmlTextAreaElement) {
        if self.detached.take().is_some() {
            let _ = textarea.style().remove_property("caret-color");
        }
    }

    /// Gives the textarea the lines of `text` around `keep`, selects `sel` if it is among
    /// them (else keeps it detached), and puts the view's top at `top`.
    #[allow(clippy::too_many_arguments)]
    fn rewindow(&mut self, textarea: &HtmlTextAreaElement, scroller: &HtmlElement, text: &Rc<str>, keep: Range<usize>, sel: Sel, top: f64) {
        self.total = window::line_count(text);
        self.window = window::cut(text, window::around(keep, self.total));
        self.text = Some(Rc::clone(text));
        let lines = self.window.lines();
        let value = text.get(self.window.start_byte..self.window.end_byte).unwrap_or("");
        textarea.set_value(value);
        let style = textarea.style();
        let _ = style.set_property("top", &px(lines.start));
        let _ = style.set_property("height", &format!("calc({} + 2 * var(--code-pad))", px(lines.len())));
        widen(textarea, value);
        textarea.set_scroll_top(0);
        textarea.set_scroll_left(0);
        // A place past the text's end is its end.
        let last = Pos { line: self.total.saturating_sub(1), col: usize::MAX };
        let sel = Sel { start: sel.start.min(last), end: sel.end.min(last), ..sel };
        let inside = lines.contains(&sel.start.line) && lines.contains(&sel.end.line);
        self.detached = (!inside).then_some(sel);
        let _ = style.set_property("caret-color", if inside { "" } else { "transparent" });
        // A detached caret waits, hidden, on the view's first line (so that nothing scrolls to it).
        let parked = Pos { line: view(top, 0.0).start, col: 0 };
        let shown = if inside { sel } else { Sel { start: parked, end: parked, backward: false } };
        let (start, end) = (window::offset(value, lines.start, shown.start), window::offset(value, lines.start, shown.end));
        self.parked = start;
        let _ = textarea.set_selection_range_with_direction(start, end, if shown.backward { "backward" } else { "forward" });
        if self.all {
            let _ = textarea.set_selection_range(0, textarea.text_length());
        }
        scroller.set_scroll_top(top as i32);
    }

    /// After a scroll: moves the window when the view comes near one of its edges, keeping
    /// the selection if it is near the view.
    fn follow(&mut self, textarea: &HtmlTextAreaElement, scroller: &HtmlElement) {
        let Some(text) = self.text.clone() else { return };
        let (top, _, height) = scroll_of(textarea, scroller);
        let view = view(top, height);
        if self.dragging || window::serves(self.window.lines(), view.clone(), self.total) {
            return;
        }
        let sel = self.selection(textarea);
        let lines = sel.lines();
        let near = lines.start.saturating_add(2 * window::MARGIN) >= view.start && lines.end <= view.end.saturating_add(2 * window::MARGIN);
        let keep = if near { view.start.min(lines.start)..view.end.max(lines.end) } else { view };
        self.rewindow(textarea, scroller, &text, keep, sel, top);
    }

    /// Holds the lines around `sel` and selects it, scrolling its caret into the middle of
    /// the view unless it is in view already.
    fn reveal(&mut self, textarea: &HtmlTextAreaElement, scroller: &HtmlElement, sel: Sel) {
        let Some(text) = self.text.clone() else { return };
        let (top, _, height) = scroll_of(textarea, scroller);
        let caret = sel.caret().min(self.total.saturating_sub(1));
        let shown = view(top, height);
        let top = if shown.start < caret && caret.saturating_add(2) < shown.end { top } else { caret as f64 * LINE_HEIGHT - height / 2.0 };
        self.rewindow(textarea, scroller, &text, sel.lines(), sel, top.max(0.0));
    }
}

/// Makes the windowed textarea as wide as its widest line, so that it never scrolls sideways
/// itself (its scroller does).
fn widen(textarea: &HtmlTextAreaElement, value: &str) {
    let width = format!("calc({}ch + 2 * var(--code-pad) + 2px)", window::columns(value));
    let _ = textarea.style().set_property("width", &width);
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let textarea_ref = use_node_ref();
    // The element that scrolls a windowed text (for a small text it never scrolls).
    let scroller_ref = use_node_ref();
    let spacer_ref = use_node_ref();
    // The blocks holding the drawn lines, moved by `place`.
    let pre_ref = use_node_ref();
    let gutter_ref = use_node_ref();
    // The first drawn line of the last render, for `place` between renders.
    let drawn_start = use_mut_ref(|| 0usize);
    // The last text read from the textarea: when it comes back as props, the textarea
    // already shows it and is left alone.
    let typed: Rc<RefCell<Option<Rc<str>>>> = use_mut_ref(|| None);
    let big: Rc<RefCell<Big>> = use_mut_ref(Big::default);
    // The drawn window of lines, from the text's scroll position.
    let window = use_state_eq(|| visible_lines(0.0, 1200.0, usize::MAX));
    let marks = use_memo(Same(Rc::clone(&props.analysis)), |Same(analysis)| marks(analysis));
    let titles = use_memo((Same(Rc::clone(&props.analysis)), props.lang), |(Same(analysis), lang)| line_titles(analysis, *lang));
    let elements = {
        let (textarea_ref, scroller_ref) = (textarea_ref.clone(), scroller_ref.clone());
        move || Some((textarea_ref.cast::<HtmlTextAreaElement>()?, scroller_ref.cast::<HtmlElement>()?))
    };

    // The textarea's new value: the whole text, or its window to splice into the whole text
    // (the whole text itself when Ctrl+A selected everything).
    let commit = {
        let on_input = props.on_input.clone();
        let (typed, big, elements) = (typed.clone(), big.clone(), elements.clone());
        Rc::new(move |value: String| {
            let text: Rc<str> = {
                let mut big = big.borrow_mut();
                let text: Rc<str> = match big.text.clone() {
                    None => Rc::from(value),
                    Some(full) => {
                        let before = big.window;
                        let (spliced, window) = if big.all {
                            let (end_line, end_byte) = (window::line_count(&value), value.len());
                            (value, Window { end_line, end_byte, ..Window::default() })
                        } else {
                            window::splice(&full, &before, &value)
                        };
                        big.total = if big.all { 0 } else { big.total.saturating_sub(before.lines().len()) } + window.lines().len();
                        big.window = window;
                        let text: Rc<str> = Rc::from(spliced);
                        big.text = Some(Rc::clone(&text));
                        if let Some((textarea, _)) = elements() {
                            widen(&textarea, text.get(window.start_byte..window.end_byte).unwrap_or(""));
                        }
                        text
                    }
                };
                big.all = false;
                big.detached = None;
                text
            };
            *typed.borrow_mut() = Some(Rc::clone(&text));
            on_input.emit(text);
        })
    };
    let on_input = {
        let commit = commit.clone();
        Callback::from(move |event: InputEvent| {
            let textarea: HtmlTextAreaElement = event.target_unchecked_into();
            commit(textarea.value());
        })
    };
    // Copy and cut of a Ctrl+A selection in a windowed text: the whole text.
    let on_clipboard = {
        let (big, commit, elements) = (big.clone(), commit.clone(), elements.clone());
        Callback::from(move |event: Event| {
            let Some((textarea, _)) = elements() else { return };
            let text = {
                let mut big = big.borrow_mut();
                big.all &= all_selected(&textarea);
                if !big.all || event.type_() == "paste" {
                    return;
                }
                big.text.clone()
            };
            let data = event.dyn_ref::<ClipboardEvent>().and_then(ClipboardEvent::clipboard_data);
            let (Some(text), Some(data)) = (text, data) else { return };
            if data.set_data("text/plain", &text).is_ok() {
                event.prevent_default();
                if event.type_() == "cut" {
                    textarea.set_value("");
                    commit(String::new());
                }
            }
        })
    };
    let source_lines: Vec<&str> = props.text.split('\n').collect();
    let total_lines = source_lines.len();
    let windowed = window::is_windowed(total_lines);
    // Moves the drawn lines to where the textarea shows them.
    let place = {
        let (pre_ref, gutter_ref, elements) = (pre_ref.clone(), gutter_ref.clone(), elements.clone());
        let drawn_start = drawn_start.clone();
        move || {
            let Some((textarea, scroller)) = elements() else { return };
            let (scroll_top, scroll_left, _) = scroll_of(&textarea, &scroller);
            let top = *drawn_start.borrow() as f64 * LINE_HEIGHT - scroll_top;
            if let Some(pre) = pre_ref.cast::<HtmlElement>() {
                let (left, top) = (crate::number::fixed1(-scroll_left), crate::number::fixed1(top));
                let _ = pre.style().set_property("transform", &format!("translate({left}px, {top}px)"));
            }
            if let Some(gutter) = gutter_ref.cast::<HtmlElement>() {
                let _ = gutter.style().set_property("transform", &format!("translateY({}px)", crate::number::fixed1(top)));
            }
        }
    };
    let sync_scroll = {
        let (window, place, elements) = (window.clone(), place.clone(), elements.clone());
        move || {
            let Some((textarea, scroller)) = elements() else { return };
            let (top, _, height) = scroll_of(&textarea, &scroller);
            window.set(visible_lines(top, height, usize::MAX));
            place();
        }
    };
    let on_scroll = {
        let sync_scroll = sync_scroll.clone();
        Callback::from(move |_: Event| sync_scroll())
    };
    // The scroller of a windowed text: the window follows the view.
    let on_scroller_scroll = {
        let (sync_scroll, big, elements) = (sync_scroll.clone(), big.clone(), elements.clone());
        Callback::from(move |_: Event| {
            if let Some((textarea, scroller)) = elements() {
                big.borrow_mut().follow(&textarea, &scroller);
            }
            sync_scroll();
        })
    };
    let on_mousedown = {
        let (big, elements) = (big.clone(), elements.clone());
        Callback::from(move |event: MouseEvent| {
            let mut big = big.borrow_mut();
            big.dragging = true;
            big.all &= event.button() != 0;
            if let Some((textarea, _)) = elements() {
                big.attach(&textarea);
            }
        })
    };
    // The button went up (or is found up): a drag selection ended, the window may follow again.
    let on_mouse = {
        let (big, elements) = (big.clone(), elements.clone());
        Callback::from(move |event: MouseEvent| {
            let mut big = big.borrow_mut();
            if big.dragging
                && event.buttons() & 1 == 0
                && let Some((textarea, scroller)) = elements()
            {
                big.dragging = false;
                big.follow(&textarea, &scroller);
            }
        })
    };
    let on_keydown = {
        let (on_undo, on_redo) = (props.on_undo.clone(), props.on_redo.clone());
        let (big, elements, sync_scroll) = (big.clone(), elements.clone(), sync_scroll.clone());
        Callback::from(move |event: KeyboardEvent| {
            let key = event.key();
            let ctrl = event.ctrl_key() || event.meta_key();
            let lower = key.to_lowercase();
            if let Some((textarea, scroller)) = elements()
                && big.borrow().text.is_some()
                && !event.is_composing()
                && !matches!(key.as_str(), "Shift" | "Control" | "Alt" | "Meta" | "Process")
                && !(ctrl && matches!(lower.as_str(), "z" | "y"))
            {
                let mut big = big.borrow_mut();
                big.dragging = false;
                // A key that edits replaces a Ctrl+A selection only while it still covers the window.
                big.all &= all_selected(&textarea);
                if ctrl && lower == "a" {
                    // Select All means the whole text; the textarea shows its window selected.
                    event.prevent_default();
                    big.all = true;
                    big.attach(&textarea);
                    let top = scroller.scroll_top();
                    let _ = textarea.set_selection_range(0, textarea.text_length());
                    scroller.set_scroll_top(top);
                    return;
                }
                let sel = big.selection(&textarea);
                let sel = if ctrl && (key == "Home" || key == "End") {
                    // To the text's start or end, not the window's.
                    event.prevent_default();
                    big.all = false;
                    let anchor = if sel.backward { sel.end } else { sel.start };
                    let (start, end) = if key == "Home" { (Pos::default(), anchor) } else { (anchor, Pos { line: usize::MAX, col: 0 }) };
                    let (start, end) = if event.shift_key() { (start, end) } else if key == "Home" { (start, start) } else { (end, end) };
                    Some(Sel { start, end, backward: key == "Home" })
                } else {
                    if key.starts_with("Arrow") || matches!(key.as_str(), "Home" | "End" | "PageUp" | "PageDown") {
                        big.all = false;
                    }
                    // Bring a detached selection back, or move the window before the caret reaches
                    // its edge (Backspace at its first line, Delete at its last, arrows, pages).
                    let near_edge = !window::serves(big.window.lines(), sel.lines(), big.total);
                    (!big.all && (big.detached.is_some() || near_edge)).then_some(sel)
                };
                if let Some(sel) = sel {
                    big.reveal(&textarea, &scroller, sel);
                    drop(big);
                    sync_scroll();
                }
                return;
            }
            if !ctrl {
                return;
            }
            // The lab keeps its own history (the browser's is lost when the text is replaced).
            if lower == "z" && !event.shift_key() {
                event.prevent_default();
                on_undo.emit(());
            } else if (lower == "z" && event.shift_key()) || lower == "y" {
                event.prevent_default();
                on_redo.emit(());
            }
        })
    };

    // The whole text's height in the scroller of a windowed text (before the window is placed
    // in it below).
    use_effect_with(total_lines, {
        let spacer_ref = spacer_ref.clone();
        move |total| {
            if let Some(spacer) = spacer_ref.cast::<HtmlElement>() {
                let _ = spacer.style().set_property("height", &format!("calc({} + 2 * var(--code-pad))", px(*total)));
            }
        }
    });

    // The textarea is not controlled by Yew: setting `value` on every render makes the browser
    // lay out the whole text again (seconds for a 1 MB paste). Only texts that did not come
    // from typing (undo, redo, examples, the first render) are written into it; a large text
    // gets a window of its lines, and the selection and view are kept across the change.
    use_effect_with(Rc::clone(&props.text), {
        let (typed, big, elements, sync_scroll) = (typed.clone(), big.clone(), elements.clone(), sync_scroll.clone());
        move |text| {
            let Some((textarea, scroller)) = elements() else { return };
            let from_typing = typed.borrow().as_ref().is_some_and(|typed| Rc::ptr_eq(typed, text));
            let mut big = big.borrow_mut();
            let current = big.text.as_ref().is_some_and(|shown| Rc::ptr_eq(shown, text));
            let (top, _, height) = scroll_of(&textarea, &scroller);
            let was_windowed = big.text.is_some();
            let sel = if was_windowed { big.selection(&textarea) } else { selection(&textarea, 0) };
            if window::is_windowed(window::line_count(text)) {
                // Typing in the window keeps it, unless a paste made it large.
                if current && big.window.lines().len() <= 8 * window::MARGIN {
                    return;
                }
                big.all = false;
                let view = view(top, height);
                let lines = sel.lines();
                let keep = view.start.min(lines.start)..view.end.max(lines.end);
                let keep = if keep.len() <= 4 * window::MARGIN { keep } else { view };
                big.rewindow(&textarea, &scroller, text, keep, sel, top);
            } else if was_windowed {
                // Small again: the textarea holds the whole text.
                *big = Big::default();
                textarea.set_value(text);
                let style = textarea.style();
                for property in ["top", "height", "width", "caret-color"] {
                    let _ = style.remove_property(property);
                }
                let (start, end) = (window::offset(text, 0, sel.start), window::offset(text, 0, sel.end));
                let _ = textarea.set_selection_range(start, end);
                scroller.set_scroll_top(0);
                textarea.set_scroll_top(top as i32);
            } else if !from_typing && textarea.value() != **text {
                textarea.set_value(text);
            }
            drop(big);
            sync_scroll();
        }
    });

    // A click in the diagnostics list: put the caret there and scroll the line into view.
    use_effect_with(props.jump, {
        let (text, big, elements) = (Rc::clone(&props.text), big.clone(), elements.clone());
        move |jump| {
            let (Some(jump), Some((textarea, scroller))) = (jump, elements()) else { return };
            let _ = textarea.focus();
            let line = jump.line.saturating_sub(1);
            let top = (line as f64 * LINE_HEIGHT - f64::from(scroller.client_height()) / 2.0).max(0.0);
            let mut big = big.borrow_mut();
            if big.text.is_some() {
                let cut = window::cut(&text, line..line + 1);
                let content = text.get(cut.start_byte..cut.end_byte).unwrap_or("");
                let pos = Pos { line, col: utf16_offset(content, 1, jump.column) as usize };
                big.all = false;
                big.rewindow(&textarea, &scroller, &text, line..line + 1, Sel { start: pos, end: pos, backward: false }, top);
            } else {
                let offset = utf16_offset(&text, jump.line, jump.column);
                let _ = textarea.set_selection_range(offset, offset);
                textarea.set_scroll_top(top as i32);
            }
            drop(big);
            sync_scroll();
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
        <>
        <div class={classes!("editor", windowed.then_some("bigtext"))}>
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
                <div class="scroller" ref={scroller_ref} onscroll={on_scroller_scroll} onmouseup={on_mouse.clone()} onmousemove={on_mouse}>
                    <div class="spacer" ref={spacer_ref}></div>
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
                        onmousedown={on_mousedown}
                        oncopy={on_clipboard.clone()}
                        oncut={on_clipboard.clone()}
                        onpaste={on_clipboard}
                    />
                </div>
            </div>
        </div>
        <p class="bigtext-hint" id="bigtext-hint" role="note">{ crate::i18n::bigtext::hint(props.lang) }</p>
        </>
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
