//! The windowed editor's arithmetic (issue 4), pure and natively tested; the DOM side is in
//! [`crate::components::editor`].
//!
//! Chromium lays out a `<textarea>`'s whole text on every insertion, so a 1.7 MB, 87,000-line
//! text costs a third of a second per keystroke whatever the page around it does. Above
//! [`THRESHOLD_LINES`] lines the editor's textarea therefore holds only a window of whole lines
//! around the view, and sits inside a scroller as tall as the whole text. This module decides
//! which lines the window holds, cuts them out of the text, splices the textarea's edited value
//! back into the whole text, and maps the textarea's selection (UTF-16 offsets into the window,
//! as the DOM counts) to positions in the whole text (line, UTF-16 column) and back.

use std::ops::Range;

/// Texts with more lines than this are windowed; smaller ones live whole in the textarea.
pub const THRESHOLD_LINES: usize = 5_000;
/// Lines the window holds above and below the lines it must keep (the view, the selection).
pub const MARGIN: usize = 300;
/// The window moves when the view or the caret comes this close to one of its edges (unless
/// that edge is the text's own start or end).
pub const EDGE: usize = 100;

/// Whether a text of `lines` lines is windowed.
pub fn is_windowed(lines: usize) -> bool {
    lines > THRESHOLD_LINES
}

/// The number of lines of a text (an empty text and a text without a newline have one).
pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|byte| *byte == b'\n').count() + 1
}

/// Lines `start_line..end_line` of a text, which span the bytes `start_byte..end_byte` (the
/// newline after the last line is not part of the window).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub start_line: usize,
    pub end_line: usize,
    pub start_byte: usize,
    pub end_byte: usize,
}

impl Window {
    pub fn lines(&self) -> Range<usize> {
        self.start_line..self.end_line
    }
}

/// The lines to hold so that `keep` has [`MARGIN`] lines around it, within `total` lines.
pub fn around(keep: Range<usize>, total: usize) -> Range<usize> {
    let end = keep.end.saturating_add(MARGIN).min(total);
    keep.start.saturating_sub(MARGIN).min(end)..end
}

/// Whether `window` still holds `keep` with [`EDGE`] lines to spare on each side that is not
/// the text's own edge.
pub fn serves(window: Range<usize>, keep: Range<usize>, total: usize) -> bool {
    (window.start == 0 || keep.start >= window.start.saturating_add(EDGE))
        && (window.end >= total || keep.end.saturating_add(EDGE) <= window.end)
}

/// Cuts `lines` out of `text` (clamped to its lines).
pub fn cut(text: &str, lines: Range<usize>) -> Window {
    let mut window = Window::default();
    let (mut line, mut start) = (0, 0);
    for end in text.match_indices('\n').map(|(at, _)| at).chain(std::iter::once(text.len())) {
        // `start..end` is line `line`; the window starts at the last line not after `lines.start`.
        if line <= lines.start {
            (window.start_line, window.start_byte) = (line, start);
        }
        (window.end_line, window.end_byte) = (line + 1, end);
        if line + 1 >= lines.end && line >= lines.start {
            break;
        }
        (line, start) = (line + 1, end + 1);
    }
    window
}

/// The whole text after the textarea holding `window` of `text` now shows `value`, and the
/// window that `value` is in that text.
pub fn splice(text: &str, window: &Window, value: &str) -> (String, Window) {
    let (before, after) = (text.get(..window.start_byte).unwrap_or(""), text.get(window.end_byte..).unwrap_or(""));
    let mut spliced = String::with_capacity(before.len() + value.len() + after.len());
    spliced.push_str(before);
    spliced.push_str(value);
    spliced.push_str(after);
    let end_line = window.start_line + line_count(value);
    (spliced, Window { end_line, end_byte: window.start_byte + value.len(), ..*window })
}

/// A place in the whole text: a 0-based line and a column in UTF-16 code units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A selection in the whole text (`start <= end`); `backward` puts the caret at `start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sel {
    pub start: Pos,
    pub end: Pos,
    pub backward: bool,
}

impl Sel {
    pub fn lines(&self) -> Range<usize> {
        self.start.line..self.end.line.saturating_add(1)
    }
    /// The caret's line.
    pub fn caret(&self) -> usize {
        if self.backward { self.start.line } else { self.end.line }
    }
}

/// The place of the UTF-16 `offset` in `value`, a window whose first line is `first`.
pub fn position(value: &str, first: usize, offset: u32) -> Pos {
    let mut pos = Pos { line: first, col: 0 };
    let mut left = offset as usize;
    for c in value.chars() {
        let width = c.len_utf16();
        if left < width {
            break;
        }
        left -= width;
        if c == '\n' {
            pos = Pos { line: pos.line + 1, col: 0 };
        } else {
            pos.col += width;
        }
    }
    pos
}

/// The UTF-16 offset of `pos` in `value` (first line `first`), clamped into it: a line before
/// the window is its start, after it its end, a column past a line's end that end.
pub fn offset(value: &str, first: usize, pos: Pos) -> u32 {
    let mut at = 0usize;
    for (index, line) in value.split('\n').enumerate() {
        let length: usize = line.encode_utf16().count();
        if first + index >= pos.line {
            if first + index == pos.line {
                at += pos.col.min(length);
            }
            return u32::try_from(at).unwrap_or(u32::MAX);
        }
        at += length + 1;
    }
    u32::try_from(at.saturating_sub(1)).unwrap_or(u32::MAX)
}

/// The widest line of `value` in `ch` (East Asian wide characters count two): the textarea's
/// width, so that it never scrolls itself sideways.
pub fn columns(value: &str) -> usize {
    value.split('\n').map(|line| line.chars().map(|c| if c >= '\u{1100}' { 2 } else { 1 }).sum()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` lines `line 0` .. `line n-1`.
    fn text(n: usize) -> String {
        (0..n).map(|i| format!("line {i}")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn the_window_keeps_a_margin_around_the_view() {
        assert_eq!(around(1000..1031, 87_000), 700..1331);
        // At the text's edges the window stops there.
        assert_eq!(around(0..31, 87_000), 0..331);
        assert_eq!(around(86_980..87_000, 87_000), 86_680..87_000);
        assert_eq!(around(10..20, 5), 0..5);
        // It serves while the view stays EDGE lines inside, or at the text's own edge.
        assert!(serves(700..1331, 1000..1031, 87_000));
        assert!(serves(700..1331, 800..831, 87_000));
        assert!(!serves(700..1331, 799..830, 87_000));
        assert!(serves(700..1331, 1200..1231, 87_000));
        assert!(!serves(700..1331, 1201..1232, 87_000));
        assert!(serves(0..331, 0..31, 87_000));
        assert!(serves(86_680..87_000, 86_970..87_000, 87_000));
        assert!(!serves(700..1331, 5000..5031, 87_000));
    }

    #[test]
    fn cutting_lines_gives_their_bytes() {
        let text = text(10);
        let window = cut(&text, 2..5);
        assert_eq!(&text[window.start_byte..window.end_byte], "line 2\nline 3\nline 4");
        assert_eq!(window.lines(), 2..5);
        let window = cut(&text, 0..10);
        assert_eq!(&text[window.start_byte..window.end_byte], text);
        let window = cut(&text, 8..400);
        assert_eq!((&text[window.start_byte..window.end_byte], window.lines()), ("line 8\nline 9", 8..10));
        // Past the end: the last line.
        let window = cut(&text, 50..60);
        assert_eq!((&text[window.start_byte..window.end_byte], window.lines()), ("line 9", 9..10));
        // A text ending in a newline has an empty last line.
        let window = cut("a\nb\n", 2..3);
        assert_eq!((window.start_byte, window.end_byte, window.lines()), (4, 4, 2..3));
        let window = cut("", 0..300);
        assert_eq!((window.start_byte, window.end_byte, window.lines()), (0, 0, 0..1));
    }

    #[test]
    fn an_edit_of_the_window_is_spliced_into_the_whole_text() {
        let full = text(10);
        let window = cut(&full, 3..6);
        // Typing, Enter and a paste in the window.
        let (spliced, after) = splice(&full, &window, "line 3\nline 4x\n\nnew\nline 5");
        assert_eq!(spliced, full.replace("line 4", "line 4x\n\nnew"));
        assert_eq!(after.lines(), 3..8);
        assert_eq!(&spliced[after.start_byte..after.end_byte], "line 3\nline 4x\n\nnew\nline 5");
        // Backspace at the window's first column joins nothing outside it; emptying it leaves one
        // empty line between the neighbours.
        let (spliced, after) = splice(&full, &window, "");
        assert_eq!(spliced, "line 0\nline 1\nline 2\n\nline 6\nline 7\nline 8\nline 9");
        assert_eq!(after.lines(), 3..4);
        // A second edit splices into the first one's result.
        let (again, _) = splice(&spliced, &after, "x");
        assert_eq!(again, "line 0\nline 1\nline 2\nx\nline 6\nline 7\nline 8\nline 9");
        // The window at the very end and at the very start.
        let (spliced, _) = splice(&full, &cut(&full, 9..10), "line 9\n");
        assert_eq!(spliced, format!("{full}\n"));
        let (spliced, _) = splice(&full, &cut(&full, 0..2), "top\nline 0\nline 1");
        assert_eq!(spliced, format!("top\n{full}"));
    }

    #[test]
    fn carets_map_between_the_window_and_the_whole_text() {
        let value = "ab\n名前🙂\n\nz";
        // UTF-16: "ab\n" is 0..3, 名 3, 前 4, 🙂 5..7, "\n" 7, "\n" 8, z 9.
        assert_eq!(position(value, 100, 0), Pos { line: 100, col: 0 });
        assert_eq!(position(value, 100, 2), Pos { line: 100, col: 2 });
        assert_eq!(position(value, 100, 3), Pos { line: 101, col: 0 });
        assert_eq!(position(value, 100, 7), Pos { line: 101, col: 4 });
        // Inside the emoji's surrogate pair: before it.
        assert_eq!(position(value, 100, 6), Pos { line: 101, col: 2 });
        assert_eq!(position(value, 100, 8), Pos { line: 102, col: 0 });
        assert_eq!(position(value, 100, 10), Pos { line: 103, col: 1 });
        assert_eq!(position(value, 100, 99), Pos { line: 103, col: 1 });
        for at in [0, 2, 3, 5, 7, 8, 9, 10] {
            assert_eq!(offset(value, 100, position(value, 100, at)), at, "{at}");
        }
        // Clamped: a column past the line's end, lines before and after the window.
        assert_eq!(offset(value, 100, Pos { line: 100, col: 50 }), 2);
        assert_eq!(offset(value, 100, Pos { line: 7, col: 3 }), 0);
        assert_eq!(offset(value, 100, Pos { line: 900, col: 0 }), 10);
        // The same place seen through two windows of one text.
        let full = text(1000);
        let (a, b) = (cut(&full, 100..400), cut(&full, 250..600));
        let (a_text, b_text) = (&full[a.start_byte..a.end_byte], &full[b.start_byte..b.end_byte]);
        let pos = position(a_text, a.start_line, offset(a_text, a.start_line, Pos { line: 300, col: 4 }));
        assert_eq!(pos, Pos { line: 300, col: 4 });
        assert_eq!(&b_text[offset(b_text, b.start_line, pos) as usize..][..8], " 300\nlin");
    }

    #[test]
    fn width_counts_wide_characters_twice() {
        assert_eq!(columns("ab\nabcd\n"), 4);
        assert_eq!(columns("名前: x"), 7);
        assert_eq!(columns(""), 0);
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("a\nb\n"), 3);
    }
}
