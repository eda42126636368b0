//! The app's one store: [`AppState`] and the [`Action`]s that change it.
//!
//! The reducer thinks, components render: every decision (running the engine on the text,
//! keeping the last good picture when the text breaks, undo and redo, what to announce) is
//! made here, in plain Rust that the native tests drive without a browser. Components only
//! show the state and dispatch actions. Side effects that need the browser (saving to
//! `localStorage`, timers) live in the components and read the state.
//!
//! Pipeline: editor text -> `manifest::parse` -> `cluster::build` -> `dataplane::hosts` ->
//! [`Scene`] (what the diagram shows) -> `layout` in the topology component. The picture's
//! cluster also becomes the one [`World`] (an `engine::shell::Lab`): the terminal runs
//! commands in it and the Send form traces connections in it, so both see the same
//! conntrack entries, captures and random generator.

use std::cell::RefCell;
use std::rc::Rc;

use engine::shell;
use engine::trace::Spread;
use yew::Reducible;

use crate::analysis::{Analysis, Picture, analyse_edited};
use crate::examples::Example;
use crate::history::History;
use crate::i18n::Lang;
use crate::player::{Player, Run, Speed};
use crate::send::{Kind, SendError, SendForm};
use crate::terminal::TerminalState;

/// How many connections "Send 1,000" traces.
pub const SPREAD_RUNS: u64 = 1000;

/// Something to say in the ARIA live region (worded by `i18n` in the chosen language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Announcement {
    None,
    Updated { nodes: usize, pods: usize, services: usize },
    Errors { errors: usize, first_line: Option<usize> },
    StorageIgnored,
    /// A terminal command finished with this exit status.
    CommandDone { exit_code: i32 },
    /// The player shows this step (an index into the run's steps).
    Step { index: usize },
    /// Send did not start a trace (the reason is [`AppState::send_error`]).
    SendFailed,
    /// Send 1,000 finished after this many runs.
    Spread { runs: u64 },
}

/// The lab the terminal and the Send form share, built from one picture.
#[derive(Clone, Debug)]
pub struct World {
    /// The [`Picture::revision`] it was built from.
    pub revision: u64,
    pub lab: Rc<RefCell<shell::Lab>>,
}

/// One change to the Send form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendEdit {
    From(String),
    Kind(Kind),
    Choice(String),
    Node(String),
    Path(String),
    HostHeader(String),
    Url(String),
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
    /// The shared lab, built when first needed and dropped with its picture.
    pub world: Option<World>,
    pub send: SendForm,
    /// Why the last Send did not trace, if it did not.
    pub send_error: Option<SendError>,
    pub player: Player,
    /// The last Send 1,000, for the picture it ran on.
    pub spread: Option<Rc<Spread>>,
    /// Counts traced runs (their ids).
    runs: u64,
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
    /// Change a field of the Send form.
    EditSend(SendEdit),
    /// Trace the form's connection in the world and load it into the player.
    Send,
    /// Trace the form's connection [`SPREAD_RUNS`] times on a copy of the session.
    SendMany,
    Play,
    Pause,
    TogglePlay,
    StepForward,
    StepBack,
    Restart,
    /// Show this step of the run.
    Seek(usize),
    /// The playing timer fired.
    Tick,
    SetSpeed(Speed),
    SetKeyStepsOnly(bool),
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
            world: None,
            send: SendForm::default(),
            send_error: None,
            player: Player { key_steps_only: true, ..Player::default() },
            spread: None,
            runs: 0,
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
                // A new cluster is a new world: the old lab, trace and spread describe another one.
                self.world = None;
                self.player.clear();
                self.spread = None;
                self.send_error = None;
            }
            self.picture_is_stale = analysis.errors > 0;
        } else {
            self.picture_is_stale = true;
        }
        if let Some(picture) = &self.picture {
            self.terminal.follow(picture);
            self.send.follow(&picture.cluster);
        }
        self.analysis = Rc::new(analysis);
        self.pending = false;
        self.history.commit(&self.text);
    }

    /// The shared lab of the current picture, built on first use.
    fn lab(&mut self) -> Option<Rc<RefCell<shell::Lab>>> {
        let picture = self.picture.as_ref()?;
        match &self.world {
            Some(world) if world.revision == picture.revision => Some(Rc::clone(&world.lab)),
            _ => {
                let lab = Rc::new(RefCell::new(shell::Lab::from_cluster(picture.cluster.clone())));
                self.world = Some(World { revision: picture.revision, lab: Rc::clone(&lab) });
                Some(lab)
            }
        }
    }

    /// The URL and the tracer's source host for the form, or why there are none.
    fn request(&mut self) -> Result<(Rc<RefCell<shell::Lab>>, String, String), SendError> {
        let picture = self.picture.clone().ok_or(SendError::NoCluster)?;
        let url = self.send.compose(&picture.cluster)?;
        let from = self.send.source(&picture.cluster)?;
        let lab = self.lab().ok_or(SendError::NoCluster)?;
        let host = lab.borrow().host(&from).map_err(|_| SendError::UnknownHost(from.clone()))?;
        let from = lab.borrow().net_host_name(&host);
        Ok((lab, from, url))
    }

    /// Traces the form's connection in the world and shows it in the player.
    fn send(&mut self) {
        let (lab, from, url) = match self.request() {
            Ok(request) => request,
            Err(error) => {
                self.send_error = Some(error);
                self.announcement = Announcement::SendFailed;
                return;
            }
        };
        let options = self.send.options();
        let (before, trace) = {
            let mut lab = lab.borrow_mut();
            let before = lab.session().clone();
            (before, lab.connect(&from, &url, &options).clone())
        };
        self.runs = self.runs.wrapping_add(1);
        let revision = self.picture.as_ref().map_or(0, |picture| picture.revision);
        self.player.load(Run::new(self.runs, revision, from, url, trace, before));
        self.send_error = None;
        self.announcement = Announcement::Step { index: self.player.index };
    }

    /// Traces the form's connection [`SPREAD_RUNS`] times on a copy of the session.
    fn send_many(&mut self) {
        let (lab, from, url) = match self.request() {
            Ok(request) => request,
            Err(error) => {
                self.send_error = Some(error);
                self.announcement = Announcement::SendFailed;
                return;
            }
        };
        let spread = {
            let lab = lab.borrow();
            engine::trace::spread(lab.net(), lab.session(), &from, &url, SPREAD_RUNS)
        };
        self.spread = Some(Rc::new(spread));
        self.send_error = None;
        self.announcement = Announcement::Spread { runs: SPREAD_RUNS };
    }

    /// Replaces the text from outside the typing flow (undo, redo, examples) and analyses it.
    fn show(&mut self, text: String) {
        self.text = Rc::from(text);
        self.analyse();
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
                let Some(lab) = state.lab() else { return self };
                state.terminal.run(&mut lab.borrow_mut(), &command);
                if let Some(entry) = state.terminal.entries.last() {
                    state.announcement = Announcement::CommandDone { exit_code: entry.output.exit_code };
                }
            }
            Action::ClearTerminal => state.terminal.clear(),
            Action::EditSend(edit) => {
                let cluster = state.picture.as_ref().map(|picture| picture.cluster.clone());
                let form = &mut state.send;
                match edit {
                    SendEdit::From(from) => form.from = from,
                    SendEdit::Kind(kind) => match &cluster {
                        Some(cluster) => form.set_kind(kind, cluster),
                        None => form.kind = kind,
                    },
                    SendEdit::Choice(choice) => form.choice = choice,
                    SendEdit::Node(node) => form.node = node,
                    SendEdit::Path(path) => form.path = path,
                    SendEdit::HostHeader(host) => form.host_header = host,
                    SendEdit::Url(url) => form.url = url,
                }
                if state.send == self.send {
                    return self;
                }
                state.send_error = None;
            }
            Action::Send => state.send(),
            Action::SendMany => state.send_many(),
            Action::Play => state.player.play(),
            Action::Pause => state.player.playing = false,
            Action::TogglePlay => {
                if state.player.playing {
                    state.player.playing = false;
                } else {
                    state.player.play();
                }
            }
            Action::StepForward | Action::StepBack | Action::Restart | Action::Seek(_) | Action::Tick => {
                let before = state.player.index;
                match action {
                    Action::StepForward => {
                        state.player.playing = false;
                        state.player.step_forward();
                    }
                    Action::StepBack => {
                        state.player.playing = false;
                        state.player.step_back();
                    }
                    Action::Restart => state.player.restart(),
                    Action::Seek(index) => {
                        state.player.playing = false;
                        state.player.jump_to(index);
                    }
                    _ => state.player.tick(),
                }
                if state.player.index == before && state.player.playing == self.player.playing {
                    return self;
                }
                if state.player.index != before {
                    state.announcement = Announcement::Step { index: state.player.index };
                }
            }
            Action::SetSpeed(speed) => state.player.speed = speed,
            Action::SetKeyStepsOnly(on) => state.player.set_key_steps_only(on),
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

    fn sent() -> Rc<AppState> {
        // The post: client -> node1:31000 (the form's default for the NodePort example).
        start().reduce(Action::Send)
    }

    #[test]
    fn send_traces_in_the_shared_world() {
        let state = sent();
        assert_eq!(state.send_error, None);
        let run = state.player.run.clone().expect("a run");
        assert!(run.url.ends_with(":31000/"), "{}", run.url);
        assert_eq!(run.steps.len(), run.trace.all_steps().count());
        assert!(matches!(&run.trace.outcome, engine::trace::Outcome::Answered { pod: Some(pod), .. } if pod == "default/nginx"));
        assert!(matches!(state.announcement, Announcement::Step { index: 0 }));
        // The session before the trace had no conntrack entry; the world has them now, and
        // the terminal's conntrack -L on node1 lists the DNAT to the pod.
        assert!(run.before.conntrack("node1").is_none_or(|table| table.entries().next().is_none()));
        let state = state.reduce(Action::SetTerminalHost("node1".into())).reduce(Action::RunCommand("conntrack -L".into()));
        let output = &state.terminal.entries.last().expect("an entry").output.stdout;
        assert!(output.contains("dport=31000") && output.contains("src=192.168.231.166"), "{output}");
        // A terminal curl is the same world: the session moved on, the run keeps its copy.
        let run_before = Rc::clone(&run.before);
        let state = state.reduce(Action::SetTerminalHost("client".into())).reduce(Action::RunCommand("curl -s http://172.16.120.63:31000/".into()));
        assert_eq!(state.terminal.entries.last().map(|e| e.output.exit_code), Some(0));
        assert!(Rc::ptr_eq(&state.player.run.as_ref().expect("run").before, &run_before));
    }

    #[test]
    fn stepping_stays_in_bounds_and_back_restores_the_index() {
        let state = sent();
        let total = state.player.steps().len();
        let state = state.reduce(Action::StepBack);
        assert_eq!(state.player.index, 0);
        let state = state.reduce(Action::StepForward);
        let one = state.player.index;
        assert!(one > 0);
        let state = state.reduce(Action::StepForward).reduce(Action::StepBack);
        assert_eq!(state.player.index, one);
        let state = state.reduce(Action::Seek(usize::MAX));
        assert_eq!(state.player.index, total - 1);
        assert!(state.player.at_end());
        let state = state.reduce(Action::Restart);
        assert_eq!(state.player.index, 0);
        let state = state.reduce(Action::Seek(7));
        assert_eq!(state.player.index, 7);
        assert!(matches!(state.announcement, Announcement::Step { index: 7 }));
    }

    #[test]
    fn playing_ticks_to_the_end_and_stops() {
        let mut state = sent().reduce(Action::SetSpeed(Speed::Four)).reduce(Action::Play);
        assert!(state.player.playing);
        assert_eq!(state.player.speed, Speed::Four);
        let mut ticks = 0;
        while state.player.playing && ticks < 10_000 {
            state = state.reduce(Action::Tick);
            ticks += 1;
        }
        assert!(!state.player.playing);
        assert!(state.player.at_end());
        // A tick after the end changes nothing (the same state comes back).
        let again = Rc::clone(&state).reduce(Action::Tick);
        assert!(Rc::ptr_eq(&again, &state));
        // Play at the end starts over; toggling pauses.
        let state = state.reduce(Action::TogglePlay);
        assert!(state.player.playing && state.player.index == 0);
        let state = state.reduce(Action::TogglePlay);
        assert!(!state.player.playing);
        // Stepping by hand pauses.
        let state = state.reduce(Action::Play).reduce(Action::StepForward);
        assert!(!state.player.playing);
    }

    #[test]
    fn a_new_picture_clears_a_stale_trace_but_a_broken_edit_keeps_it() {
        let state = sent().reduce(Action::SendMany);
        assert!(state.spread.is_some());
        let broken = state.text.replace("name: sample-service", "name: 12");
        let state = state.reduce(Action::Edit(Rc::from(broken))).reduce(Action::Analyse);
        assert!(state.picture_is_stale);
        assert!(state.player.run.is_some(), "the last good cluster and its trace stay");
        let state = state.reduce(Action::LoadExample(Example::ClusterIp));
        assert!(state.player.run.is_none());
        assert!(state.spread.is_none());
        assert!(state.world.is_none());
    }

    #[test]
    fn a_bad_url_gives_a_message_and_no_trace() {
        let state = start()
            .reduce(Action::EditSend(SendEdit::Kind(Kind::Url)))
            .reduce(Action::EditSend(SendEdit::Url("http://172.16.120.63:0/".into())))
            .reduce(Action::Send);
        assert!(state.player.run.is_none());
        assert!(matches!(&state.send_error, Some(SendError::BadUrl { why, .. }) if why == "port 0"));
        assert_eq!(state.announcement, Announcement::SendFailed);
        // Editing the form clears the message.
        let state = state.reduce(Action::EditSend(SendEdit::Url("http://172.16.120.63:31000/".into())));
        assert_eq!(state.send_error, None);
        let state = state.reduce(Action::Send);
        assert!(state.player.run.is_some());
    }

    #[test]
    fn send_many_counts_a_thousand_without_changing_the_world() {
        // The outside client has no route to the Service CIDR: every run says so.
        let state = start().reduce(Action::EditSend(SendEdit::Kind(Kind::ClusterIp))).reduce(Action::SendMany);
        let spread = state.spread.clone().expect("a spread");
        assert!(spread.shares.iter().all(|share| share.endpoint == "no route"), "{spread:?}");
        // From a node, the ClusterIP's one endpoint takes them all.
        let state = state
            .reduce(Action::EditSend(SendEdit::From("node1".into())))
            .reduce(Action::EditSend(SendEdit::Choice("default/sample-service:8080".into())))
            .reduce(Action::SendMany);
        let spread = state.spread.clone().expect("a spread");
        assert_eq!(spread.runs, SPREAD_RUNS);
        assert_eq!(spread.shares.iter().map(|share| share.count).sum::<u64>(), SPREAD_RUNS);
        let nginx = spread.shares.iter().find(|share| share.endpoint == "default/nginx").expect("nginx");
        assert_eq!(nginx.exact, Some((1, 0)), "the one endpoint has probability 1");
        assert!(nginx.count > SPREAD_RUNS * 9 / 10, "{spread:?}");
        let world = state.world.as_ref().expect("the world was built");
        assert!(world.lab.borrow().session().conntrack.values().all(|table| table.entries().next().is_none()));
    }
}
