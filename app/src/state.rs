//! The app's one store: [`AppState`] and the [`Action`]s that change it.
//!
//! The reducer thinks, components render: every decision (running the engine on the text,
//! keeping the last good picture when the text breaks, undo and redo, what to announce) is
//! made here, in plain Rust that the native tests drive without a browser. Components only
//! show the state and dispatch actions. Side effects that need the browser (saving to
//! `localStorage`, timers) live in the components and read the state.
//!
//! Pipeline: editor text -> [`crate::analysis::analyse`] -> [`Picture`] (what the diagram
//! shows) -> `layout` in the topology component. The tracer (Send, player, inspector,
//! terminal) is a second wasm module with a store of its own ([`crate::tracer_state`]); this
//! store only knows whether it is loaded, tells it which picture to work on (the revision
//! and the text the picture came from) and keeps the packet it says to draw.

use std::rc::Rc;

use yew::Reducible;

use crate::analysis::{Analysis, Picture, analyse_edited};
use crate::bridge::{FromTracer, PacketView, ToTracer};
use crate::examples::Example;
use crate::history::History;
use crate::i18n::Lang;

/// Something to say in the ARIA live region (worded by `i18n` in the chosen language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Announcement {
    None,
    Updated { nodes: usize, pods: usize, services: usize },
    Errors { errors: usize, first_line: Option<usize> },
    StorageIgnored,
    /// This example could not be fetched.
    ExampleFailed(Example),
}

/// Where the tracer module is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tracer {
    /// Not asked for yet: nothing of it was downloaded.
    Idle,
    Loading,
    Ready,
    /// The module could not be loaded (the browser's reason).
    Failed(String),
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
    /// The text `picture` was built from (what the tracer rebuilds it from).
    pub picture_text: Rc<str>,
    /// True when `picture` is older than the text (the text has errors).
    pub picture_is_stale: bool,
    pub history: History,
    /// The diagram's available width in CSS pixels.
    pub width: f64,
    pub jump: Option<Jump>,
    pub announcement: Announcement,
    /// Counts analyses, so effects (saving) can tell a new result from a re-render.
    pub revision: u64,
    pub tracer: Tracer,
    /// The packet the tracer asks the diagram to draw (for the current picture only).
    pub packet: Option<PacketView>,
}

pub enum Action {
    /// The user typed: keep the text; the engine runs on [`Action::Analyse`].
    Edit(Rc<str>),
    /// Typing paused: run the engine on the text and commit it to the history.
    Analyse,
    /// The text of an example the reader chose (fetched by the page) arrived.
    ExampleArrived(String),
    /// An example could not be fetched.
    ExampleFailed(Example),
    Undo,
    Redo,
    SetLang(Lang),
    /// The diagram's container is this many CSS pixels wide.
    Resize(f64),
    /// Show this line (and column) in the editor.
    JumpTo { line: usize, column: usize },
    /// The reader reached for the tracer: load it if it is not there.
    WantTracer,
    /// The tracer module failed to load.
    TracerFailed(String),
    /// A message from the tracer.
    FromTracer(FromTracer),
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
            picture_text: Rc::from(""),
            picture_is_stale: false,
            history: History::new(text),
            width: DEFAULT_WIDTH,
            jump: None,
            announcement: Announcement::None,
            revision: 0,
            tracer: Tracer::Idle,
            packet: None,
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
        let (analysis, mut picture) = analyse_edited(&self.text);
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
            // picture, so the diagram and the terminal's host list are not drawn again, and
            // the lab, trace and spread built on it stay valid.
            let unchanged = self.picture.as_ref().is_some_and(|old| {
                old.scene == picture.scene && old.hosts == picture.hosts && old.cluster == picture.cluster
            });
            if !unchanged {
                self.picture = Some(Rc::new(picture));
                self.picture_text = Rc::clone(&self.text);
                // A new cluster is a new world: the tracer's packet belongs to the old one.
                self.packet = None;
            }
            self.picture_is_stale = analysis.errors > 0;
        } else {
            self.picture_is_stale = true;
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

impl AppState {
    /// What the tracer must hear for this state (the picture's revision and text, the language).
    pub fn to_tracer(&self) -> Option<ToTracer> {
        let picture = self.picture.as_ref()?;
        Some(ToTracer { revision: picture.revision, text: Rc::clone(&self.picture_text), lang: self.lang })
    }
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
            Action::ExampleArrived(text) => state.show(text),
            Action::ExampleFailed(example) => state.announcement = Announcement::ExampleFailed(example),
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
            Action::WantTracer => {
                if !matches!(state.tracer, Tracer::Idle | Tracer::Failed(_)) {
                    return self;
                }
                state.tracer = Tracer::Loading;
            }
            Action::TracerFailed(why) => {
                if state.tracer == Tracer::Ready {
                    return self;
                }
                state.tracer = Tracer::Failed(why);
            }
            Action::FromTracer(FromTracer::Ready) => state.tracer = Tracer::Ready,
            Action::FromTracer(FromTracer::Packet { revision, packet }) => {
                let current = state.picture.as_ref().map(|picture| picture.revision);
                // A packet for an older picture (the tracer has not heard of the new one yet).
                if current != Some(revision) || packet == state.packet {
                    return self;
                }
                state.packet = packet;
            }
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
        let state = state.reduce(Action::ExampleArrived(Example::ClusterIp.text().into()));
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
        let state = state.reduce(Action::ExampleArrived(Example::ClusterIp.text().into()));
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
    fn resize_ignores_nonsense() {
        let state = start().reduce(Action::Resize(f64::NAN));
        assert_eq!(state.width, DEFAULT_WIDTH);
        let state = state.reduce(Action::Resize(359.6));
        assert_eq!(state.width, 360.0);
    }

    #[test]
    fn the_tracer_hears_of_the_last_good_picture_and_its_text() {
        let state = start();
        let told = state.to_tracer().expect("a picture to trace");
        assert_eq!(Some(told.revision), state.picture.as_ref().map(|p| p.revision));
        assert_eq!(told.text, state.text);
        // A broken edit keeps the picture, so the tracer keeps hearing the good text.
        let broken = state.text.replace("name: sample-service", "name: 12");
        let state = state.reduce(Action::Edit(Rc::from(broken))).reduce(Action::Analyse);
        assert_eq!(state.to_tracer(), Some(told.clone()));
        // A comment changes the text but not the picture: same revision, same text.
        let state = state.reduce(Action::ExampleArrived(Example::NodePort.text().into()));
        let told = state.to_tracer().expect("a picture");
        let commented = format!("# a note\n{}", state.text);
        let state = state.reduce(Action::Edit(Rc::from(commented))).reduce(Action::Analyse);
        assert_eq!(state.to_tracer(), Some(told.clone()));
        // Another example is a new picture; switching language is heard too.
        let state = state.reduce(Action::ExampleArrived(Example::ClusterIp.text().into())).reduce(Action::SetLang(Lang::Ja));
        let now = state.to_tracer().expect("a picture");
        assert_ne!(now.revision, told.revision);
        assert_eq!(now.text, state.text);
        assert_eq!(now.lang, Lang::Ja);
    }

    #[test]
    fn the_tracer_loads_once_and_can_be_retried() {
        let state = start();
        assert_eq!(state.tracer, Tracer::Idle);
        let state = state.reduce(Action::WantTracer);
        assert_eq!(state.tracer, Tracer::Loading);
        let again = Rc::clone(&state).reduce(Action::WantTracer);
        assert!(Rc::ptr_eq(&again, &state), "a second wish while loading changes nothing");
        let state = state.reduce(Action::TracerFailed("404".into()));
        assert_eq!(state.tracer, Tracer::Failed("404".into()));
        let state = state.reduce(Action::WantTracer).reduce(Action::FromTracer(FromTracer::Ready));
        assert_eq!(state.tracer, Tracer::Ready);
        // A late failure report does not undo a tracer that answered.
        let state = state.reduce(Action::TracerFailed("late".into()));
        assert_eq!(state.tracer, Tracer::Ready);
    }

    #[test]
    fn only_packets_for_the_current_picture_are_drawn() {
        use engine::trace::At;
        let state = start();
        let revision = state.picture.as_ref().map(|p| p.revision).expect("a picture");
        let packet = PacketView {
            key: "1-0".into(),
            host: "client".into(),
            at: At::Socket,
            previous: None,
            tween_ms: 0.0,
            label: None,
        };
        let stale = Rc::clone(&state).reduce(Action::FromTracer(FromTracer::Packet { revision: revision + 9, packet: Some(packet.clone()) }));
        assert_eq!(stale.packet, None);
        let state = state.reduce(Action::FromTracer(FromTracer::Packet { revision, packet: Some(packet.clone()) }));
        assert_eq!(state.packet, Some(packet));
        // A new picture drops it at once.
        let state = state.reduce(Action::ExampleArrived(Example::ClusterIp.text().into()));
        assert_eq!(state.packet, None);
    }
}
