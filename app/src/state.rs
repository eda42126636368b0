//! The app's one store: [`AppState`] and the [`Action`]s that change it.
//!
//! The reducer thinks, components render: every decision (running the engine on the text,
//! keeping the last good picture when the text breaks, undo and redo, what to announce) is
//! made here, in plain Rust that the native tests drive without a browser. Components only
//! show the state and dispatch actions. Side effects that need the browser (saving to
//! `localStorage`, timers) live in the components and read the state.
//!
//! Pipeline: editor text -> `manifest::parse` -> `cluster::build` -> `dataplane::hosts` ->
//! [`Scene`] (what the diagram shows) -> `layout` in the topology component.

use std::rc::Rc;

use engine::cluster::Cluster;
use engine::dataplane::Host;
use engine::diagnostic::{Diagnostic, Severity};
use yew::Reducible;

use crate::examples::Example;
use crate::history::History;
use crate::i18n::Lang;
use crate::scene::Scene;
use crate::terminal::TerminalState;

/// What the engine made of one text.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Analysis {
    /// Every diagnostic, sorted by position (those without one last).
    pub diagnostics: Vec<Diagnostic>,
    pub errors: usize,
    pub warnings: usize,
}

impl Analysis {
    /// The line of the first error, if it has one.
    pub fn first_error_line(&self) -> Option<usize> {
        self.diagnostics.iter().filter(|d| d.is_error()).find_map(|d| d.position.map(|p| p.line))
    }
}

/// A cluster the lab could build, with everything drawn from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    /// The [`AppState::revision`] it was built at: a cheap identity for memoising.
    pub revision: u64,
    pub cluster: Cluster,
    pub hosts: Vec<Host>,
    pub scene: Scene,
}

/// Something to say in the ARIA live region (worded by `i18n` in the chosen language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Announcement {
    None,
    Updated { nodes: usize, pods: usize, services: usize },
    Errors { errors: usize, first_line: Option<usize> },
    StorageIgnored,
    /// A terminal command finished with this exit status.
    CommandDone { exit_code: i32 },
}

/// A request to the editor to show a line (from a click in the diagnostics list). The
/// sequence number makes two clicks on the same line two requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jump {
    pub line: usize,
    pub column: usize,
    pub seq: u64,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub lang: Lang,
    /// The editor's text, as typed. Shared: the reducer copies the state on every keystroke,
    /// and the editor's props compare it by pointer, so a 1 MB text is never copied or compared.
    pub text: Rc<str>,
    /// Whether `text` changed since the engine last ran (typing in progress).
    pub pending: bool,
    /// The engine's diagnostics for the last text it ran on.
    pub analysis: Rc<Analysis>,
    /// The last cluster built from a text without errors.
    pub picture: Option<Rc<Picture>>,
    /// True when `picture` is older than the text (the text has errors).
    pub picture_is_stale: bool,
    pub history: History,
    /// The diagram's available width in CSS pixels.
    pub width: f64,
    pub jump: Option<Jump>,
    pub announcement: Announcement,
    /// Counts analyses, so effects (saving) can tell a new result from a re-render.
    pub revision: u64,
    pub terminal: TerminalState,
}

pub enum Action {
    /// The user typed: keep the text; the engine runs on [`Action::Analyse`].
    Edit(Rc<str>),
    /// Typing paused: run the engine on the text and commit it to the history.
    Analyse,
    LoadExample(Example),
    Undo,
    Redo,
    SetLang(Lang),
    /// The diagram's container is this many CSS pixels wide.
    Resize(f64),
    /// Show this line (and column) in the editor.
    JumpTo { line: usize, column: usize },
    /// Run terminal commands on this host.
    SetTerminalHost(String),
    /// Run a command line in the terminal.
    RunCommand(String),
    ClearTerminal,
}

/// The width assumed before the page has been measured.
pub const DEFAULT_WIDTH: f64 = 720.0;

impl AppState {
    /// The state for `text`, analysed. `restored_badly` says a stored text was refused.
    pub fn new(text: String, lang: Lang, restored_badly: bool) -> AppState {
        let mut state = AppState {
            lang,
            text: Rc::from(text.as_str()),
            pending: false,
            analysis: Rc::new(Analysis::default()),
            picture: None,
            picture_is_stale: false,
            history: History::new(text),
            width: DEFAULT_WIDTH,
            jump: None,
            announcement: Announcement::None,
            revision: 0,
            terminal: TerminalState::default(),
        };
        state.analyse();
        if restored_badly {
            state.announcement = Announcement::StorageIgnored;
        }
        state
    }

    /// Runs the engine on the text: new diagnostics always; a new picture only when the
    /// text has no errors (a broken edit keeps the last good one, marked stale).
    fn analyse(&mut self) {
        self.revision = self.revision.wrapping_add(1);
        let (analysis, mut picture) = analyse(&self.text);
        picture.revision = self.revision;
        self.announcement = if analysis.errors > 0 {
            Announcement::Errors { errors: analysis.errors, first_line: analysis.first_error_line() }
        } else {
            let scene = &picture.scene;
            Announcement::Updated {
                nodes: scene.nodes.len(),
                pods: scene.pod_count(),
                services: scene.services.len(),
            }
        };
        if analysis.errors == 0 || self.picture.is_none() {
            // An edit that changes nothing the lab draws (a comment, spacing) keeps the same
            // picture, so the diagram and the terminal's host list are not drawn again.
            let unchanged = self.picture.as_ref().is_some_and(|old| {
                old.scene == picture.scene && old.hosts == picture.hosts && old.cluster == picture.cluster
            });
            if !unchanged {
                self.picture = Some(Rc::new(picture));
            }
            self.picture_is_stale = analysis.errors > 0;
        } else {
            self.picture_is_stale = true;
        }
        if let Some(picture) = &self.picture {
            self.terminal.follow(picture);
        }
        self.analysis = Rc::new(analysis);
        self.pending = false;
        self.history.commit(&self.text);
    }

    /// Replaces the text from outside the typing flow (undo, redo, examples) and analyses it.
    fn show(&mut self, text: String) {
        self.text = Rc::from(text);
        self.analyse();
    }
}

/// The engine, start to finish, on one text.
pub fn analyse(text: &str) -> (Analysis, Picture) {
    let (manifests, mut diagnostics) = engine::manifest::parse(text);
    let (cluster, more) = engine::cluster::build(&manifests);
    diagnostics.extend(more);
    diagnostics.sort_by_key(|d| (d.position.is_none(), d.position, d.severity));
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let hosts = engine::dataplane::hosts(&cluster);
    let scene = Scene::new(&cluster, &hosts);
    (Analysis { diagnostics, errors, warnings }, Picture { revision: 0, cluster, hosts, scene })
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            Action::Edit(text) => {
                if Rc::ptr_eq(&text, &state.text) || text == state.text {
                    return self;
                }
                state.text = text;
                state.pending = true;
            }
            Action::Analyse => {
                if !state.pending {
                    return self;
                }
                state.analyse();
            }
            Action::LoadExample(example) => state.show(example.text().to_string()),
            Action::Undo => {
                // Typing not yet analysed is a step of its own: commit it, then go back.
                if state.pending {
                    state.analyse();
                }
                let Some(text) = state.history.undo().map(Rc::from) else { return self };
                state.text = text;
                state.analyse();
            }
            Action::Redo => {
                if state.pending {
                    return self;
                }
                let Some(text) = state.history.redo().map(Rc::from) else { return self };
                state.text = text;
                state.analyse();
            }
            Action::SetLang(lang) => state.lang = lang,
            Action::Resize(width) => {
                let width = if width.is_finite() { width.round().max(0.0) } else { DEFAULT_WIDTH };
                if width == state.width {
                    return self;
                }
                state.width = width;
            }
            Action::JumpTo { line, column } => {
                let seq = state.jump.map_or(0, |jump| jump.seq.wrapping_add(1));
                state.jump = Some(Jump { line, column, seq });
            }
            Action::SetTerminalHost(host) => state.terminal.host = host,
            Action::RunCommand(command) => {
                let Some(picture) = state.picture.clone() else { return self };
                state.terminal.run(&picture, &command);
                if let Some(entry) = state.terminal.entries.last() {
                    state.announcement = Announcement::CommandDone { exit_code: entry.output.exit_code };
                }
            }
            Action::ClearTerminal => state.terminal.clear(),
        }
        Rc::new(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Rc<AppState> {
        Rc::new(AppState::new(Example::NodePort.text().to_string(), Lang::En, false))
    }

    fn nginx_ip(state: &AppState) -> Option<String> {
        let picture = state.picture.as_ref()?;
        picture.scene.nodes.iter().flat_map(|n| &n.pods).find(|p| p.label == "nginx")?.ip.map(|ip| ip.to_string())
    }

    #[test]
    fn the_default_scenario_is_analysed_at_start() {
        let state = start();
        assert_eq!(state.analysis.errors, 0, "{:?}", state.analysis.diagnostics);
        assert!(!state.picture_is_stale);
        assert_eq!(nginx_ip(&state).as_deref(), Some("192.168.231.166"));
        assert!(matches!(state.announcement, Announcement::Updated { nodes: 3, .. }));
    }

    #[test]
    fn typing_waits_for_the_pause_then_recomputes() {
        let state = start();
        let revision = state.revision;
        let edited = state.text.replace("192.168.231.166", "192.168.231.170");
        let state = state.reduce(Action::Edit(Rc::from(edited.as_str())));
        assert!(state.pending);
        assert_eq!(state.revision, revision, "the engine must not run on every keystroke");
        assert_eq!(nginx_ip(&state).as_deref(), Some("192.168.231.166"));
        let state = state.reduce(Action::Analyse);
        assert!(!state.pending);
        assert_eq!(state.revision, revision + 1);
        assert_eq!(nginx_ip(&state).as_deref(), Some("192.168.231.170"));
        assert_eq!(state.history.current(), edited);
    }

    #[test]
    fn an_edit_that_changes_nothing_drawn_keeps_the_picture() {
        let state = start();
        let before = state.picture.clone();
        let commented = format!("# a note\n{}", state.text);
        let state = state.reduce(Action::Edit(Rc::from(commented))).reduce(Action::Analyse);
        assert!(matches!((&before, &state.picture), (Some(a), Some(b)) if Rc::ptr_eq(a, b)));
        // A real change still makes a new one.
        let edited = state.text.replace("192.168.231.166", "192.168.231.170");
        let state = state.reduce(Action::Edit(Rc::from(edited))).reduce(Action::Analyse);
        assert!(matches!((&before, &state.picture), (Some(a), Some(b)) if !Rc::ptr_eq(a, b)));
        assert_eq!(nginx_ip(&state).as_deref(), Some("192.168.231.170"));
    }

    #[test]
    fn a_broken_edit_keeps_the_last_good_picture() {
        let state = start();
        let good = state.picture.clone();
        // An unquoted number in a text field is an error (manifest::parse) on that line.
        let broken = state.text.replace("name: sample-service", "name: 12");
        let line = broken.lines().position(|l| l.trim() == "name: 12").map(|i| i + 1);
        let state = state.reduce(Action::Edit(Rc::from(broken))).reduce(Action::Analyse);
        assert!(state.analysis.errors > 0);
        assert_eq!(state.analysis.first_error_line(), line);
        assert!(state.picture_is_stale);
        assert_eq!(state.picture, good, "the diagram keeps the last valid cluster");
        assert!(matches!(state.announcement, Announcement::Errors { first_line, .. } if first_line == line));
        // Fixing it brings a fresh picture back.
        let state = state.reduce(Action::LoadExample(Example::ClusterIp));
        assert_eq!(state.analysis.errors, 0);
        assert!(!state.picture_is_stale);
        assert_ne!(state.picture, good);
    }

    #[test]
    fn a_broken_first_text_still_draws_what_it_can() {
        let state = AppState::new("kind: Service\nmetadata: [".into(), Lang::Ja, false);
        assert!(state.analysis.errors > 0);
        // The post's default cluster is still there to look at.
        assert!(state.picture.as_ref().is_some_and(|p| p.scene.nodes.len() == 3));
        assert!(state.picture_is_stale);
    }

    #[test]
    fn undo_redo_across_examples_and_typing() {
        let state = start();
        let nodeport = state.text.clone();
        let state = state.reduce(Action::LoadExample(Example::ClusterIp));
        let clusterip = state.text.clone();
        let typed = format!("{clusterip}\n# note\n");
        // Undo while typing is pending: the typing is committed first, then undone.
        let state = state.reduce(Action::Edit(Rc::from(typed.as_str()))).reduce(Action::Undo);
        assert_eq!(state.text, clusterip);
        let state = state.reduce(Action::Undo);
        assert_eq!(state.text, nodeport);
        assert!(!state.history.can_undo());
        let state = state.reduce(Action::Undo);
        assert_eq!(state.text, nodeport);
        let state = state.reduce(Action::Redo).reduce(Action::Redo);
        assert_eq!(&*state.text, typed);
        assert!(!state.history.can_redo());
    }

    #[test]
    fn jumps_are_distinct_requests() {
        let state = start().reduce(Action::JumpTo { line: 4, column: 2 });
        let first = state.jump;
        let state = state.reduce(Action::JumpTo { line: 4, column: 2 });
        assert_ne!(state.jump, first);
        assert_eq!(state.jump.map(|j| (j.line, j.column)), Some((4, 2)));
    }

    #[test]
    fn terminal_commands_run_on_the_last_good_cluster() {
        let state = start();
        assert_eq!(state.terminal.host, "client");
        let state = state.reduce(Action::SetTerminalHost("node2".into())).reduce(Action::RunCommand("hostname".into()));
        assert_eq!(state.terminal.entries.last().map(|e| e.output.stdout.as_str()), Some("node2\n"));
        assert_eq!(state.announcement, Announcement::CommandDone { exit_code: 0 });
        // A broken text keeps the lab of the last good cluster: the nginx pod is still a host.
        let broken = state.text.replace("name: sample-service", "name: 12");
        let state = state.reduce(Action::Edit(Rc::from(broken))).reduce(Action::Analyse);
        let state = state.reduce(Action::SetTerminalHost("default/nginx".into())).reduce(Action::RunCommand("hostname".into()));
        assert_eq!(state.terminal.entries.last().map(|e| e.output.stdout.as_str()), Some("nginx\n"));
        let state = state.reduce(Action::ClearTerminal);
        assert!(state.terminal.entries.is_empty());
    }

    #[test]
    fn resize_ignores_nonsense() {
        let state = start().reduce(Action::Resize(f64::NAN));
        assert_eq!(state.width, DEFAULT_WIDTH);
        let state = state.reduce(Action::Resize(359.6));
        assert_eq!(state.width, 360.0);
    }
}
