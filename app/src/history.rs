//! Undo and redo for the editor: the texts the lab was computed from, as a bounded stack.
//!
//! The reducer commits a text each time the lab recomputes (after typing pauses, or when an
//! example is loaded), so one undo step is one pause in typing, not one keystroke. Texts are
//! shared (`Rc<str>`): the reducer copies the state on every action, and copying a history of
//! large pastes must cost pointers, not megabytes.

use std::rc::Rc;

/// At most this many texts to go back to.
pub const MAX_STEPS: usize = 100;
/// And at most this many bytes across them (a few large pastes must not fill the memory).
pub const MAX_BYTES: usize = 16 << 20;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct History {
    /// Older texts, oldest first.
    past: Vec<Rc<str>>,
    /// Texts undone, the next redo last.
    future: Vec<Rc<str>>,
    /// The text last committed.
    current: Rc<str>,
}

impl History {
    pub fn new(current: String) -> History {
        History { past: Vec::new(), future: Vec::new(), current: Rc::from(current) }
    }

    pub fn current(&self) -> &str {
        &self.current
    }

    /// Records `text` as the newest state; a change drops what could be redone.
    pub fn commit(&mut self, text: &str) {
        if text == &*self.current {
            return;
        }
        let previous = std::mem::replace(&mut self.current, Rc::from(text));
        self.past.push(previous);
        self.future.clear();
        self.trim();
    }

    /// Steps back; returns the text to show.
    pub fn undo(&mut self) -> Option<&str> {
        let previous = self.past.pop()?;
        let current = std::mem::replace(&mut self.current, previous);
        self.future.push(current);
        Some(&self.current)
    }

    /// Steps forward again; returns the text to show.
    pub fn redo(&mut self) -> Option<&str> {
        let next = self.future.pop()?;
        let current = std::mem::replace(&mut self.current, next);
        self.past.push(current);
        Some(&self.current)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// Forgets the oldest texts beyond the limits.
    fn trim(&mut self) {
        let mut bytes: usize = self.past.iter().chain(&self.future).map(|text| text.len()).sum();
        let mut drop = 0;
        while drop < self.past.len() && (self.past.len() - drop > MAX_STEPS || bytes > MAX_BYTES) {
            bytes = bytes.saturating_sub(self.past.get(drop).map_or(0, |text| text.len()));
            drop += 1;
        }
        self.past.drain(..drop);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_and_redo_walk_the_commits() {
        let mut history = History::new("a".into());
        history.commit("b");
        history.commit("c");
        assert_eq!(history.undo(), Some("b"));
        assert_eq!(history.undo(), Some("a"));
        assert_eq!(history.undo(), None);
        assert_eq!(history.current(), "a");
        assert_eq!(history.redo(), Some("b"));
        // A new edit after undo drops the redo branch.
        history.commit("x");
        assert!(!history.can_redo());
        assert_eq!(history.undo(), Some("b"));
        assert_eq!(history.redo(), Some("x"));
    }

    #[test]
    fn committing_the_same_text_is_not_a_step() {
        let mut history = History::new("a".into());
        history.commit("a");
        assert!(!history.can_undo());
    }

    #[test]
    fn history_is_bounded() {
        let mut history = History::new(String::new());
        for step in 0..(MAX_STEPS + 50) {
            history.commit(&step.to_string());
        }
        let mut undone = 0;
        while history.undo().is_some() {
            undone += 1;
        }
        assert_eq!(undone, MAX_STEPS);
        let mut history = History::new(String::new());
        let big = "x".repeat(MAX_BYTES / 4 + 1);
        for step in 0..8 {
            history.commit(&format!("{step}{big}"));
        }
        let bytes: usize = history.past.iter().map(|text| text.len()).sum();
        assert!(bytes <= MAX_BYTES, "{bytes}");
        assert!(history.can_undo());
    }
}
