//! The tracer's one store: [`TracerState`] and the [`TracerAction`]s that change it.
//!
//! The tracer is the second wasm module (see [`crate::bridge`]): Send, the step player,
//! the inspector, Send 1,000 and the terminal. The page tells it which picture to work on
//! ([`TracerAction::Update`]); it rebuilds that picture from the same text with
//! [`analyse_edited`] (the module's own incremental analyser) and, on first use, the one [`World`] (an `engine::shell::Lab`): the terminal
//! runs commands in it and the Send form traces connections in it, so both see the same
//! conntrack entries, captures and random generator. As in the page's store, the reducer
//! thinks and components render; the native tests below drive it without a browser.

use std::cell::RefCell;
use std::rc::Rc;

use engine::shell;
use engine::trace::Spread;
use yew::Reducible;

use crate::analysis::{Picture, analyse_edited};
use crate::bridge::{PacketView, ToTracer};
use crate::i18n::Lang;
use crate::player::{Player, Run, Speed};
use crate::send::{Kind, SendError, SendForm};
use crate::terminal::TerminalState;

/// How many connections "Send 1,000" traces.
pub const SPREAD_RUNS: u64 = 1000;

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

/// Something the tracer says in its ARIA live region (worded by `i18n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Announcement {
    None,
    /// A terminal command finished with this exit status.
    CommandDone { exit_code: i32 },
    /// The player shows this step (an index into the run's steps).
    Step { index: usize },
    /// Send did not start a trace (the reason is [`TracerState::send_error`]).
    SendFailed,
    /// Send 1,000 finished after this many runs.
    Spread { runs: u64 },
}

#[derive(Clone, Debug)]
pub struct TracerState {
    pub lang: Lang,
    /// The picture the page drew, rebuilt here from its text; `None` until the page spoke.
    pub picture: Option<Rc<Picture>>,
    pub terminal: TerminalState,
    /// The shared lab, built when first needed and dropped with its picture.
    pub world: Option<World>,
    pub send: SendForm,
    /// Why the last Send did not trace, if it did not.
    pub send_error: Option<SendError>,
    pub player: Player,
    /// The last Send 1,000, for the picture it ran on.
    pub spread: Option<Rc<Spread>>,
    pub announcement: Announcement,
    /// Counts traced runs (their ids).
    runs: u64,
}

pub enum TracerAction {
    /// The page's picture or language (a picture revision already held is not rebuilt).
    Update(ToTracer),
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

impl Default for TracerState {
    fn default() -> TracerState {
        TracerState::new(Lang::En)
    }
}

impl TracerState {
    /// A tracer with no picture yet.
    pub fn new(lang: Lang) -> TracerState {
        TracerState {
            lang,
            picture: None,
            terminal: TerminalState::default(),
            world: None,
            send: SendForm::default(),
            send_error: None,
            player: Player { key_steps_only: true, ..Player::default() },
            spread: None,
            announcement: Announcement::None,
            runs: 0,
        }
    }

    /// Takes the page's picture: rebuilt from its text, and everything built on the old
    /// one (lab, trace, spread) goes with it.
    fn take_picture(&mut self, revision: u64, text: &str) {
        // Incremental, as in the page: each new picture is usually an edit of the last one, and
        // re-reading a 1.7 MB text whole would hold up the next keystroke.
        let (_, mut picture) = analyse_edited(text);
        picture.revision = revision;
        self.terminal.follow(&picture);
        self.send.follow(&picture.cluster);
        self.picture = Some(Rc::new(picture));
        self.world = None;
        self.player.clear();
        self.spread = None;
        self.send_error = None;
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

    /// [`TracerState::request`], or `None` with the reason kept and announced.
    fn request_or_say(&mut self) -> Option<(Rc<RefCell<shell::Lab>>, String, String)> {
        match self.request() {
            Ok(request) => Some(request),
            Err(error) => {
                self.send_error = Some(error);
                self.announcement = Announcement::SendFailed;
                None
            }
        }
    }

    /// Traces the form's connection in the world and shows it in the player.
    fn send(&mut self) {
        let Some((lab, from, url)) = self.request_or_say() else { return };
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
        let Some((lab, from, url)) = self.request_or_say() else { return };
        let spread = {
            let lab = lab.borrow();
            engine::trace::spread(lab.net(), lab.session(), &from, &url, SPREAD_RUNS)
        };
        self.spread = Some(Rc::new(spread));
        self.send_error = None;
        self.announcement = Announcement::Spread { runs: SPREAD_RUNS };
    }

    /// The packet the diagram draws for the player's current step.
    pub fn packet_view(&self) -> Option<PacketView> {
        let run = self.player.run.as_ref()?;
        let step = self.player.current()?;
        let index = self.player.index;
        let previous = (0..index).rev().find(|&i| self.player.shown(i)).and_then(|i| run.steps.get(i));
        Some(PacketView {
            key: format!("{}-{index}", run.id),
            host: step.host.clone(),
            at: step.at.clone(),
            previous: previous.map(|step| (step.host.clone(), step.at.clone())),
            tween_ms: crate::anim::tween_ms(crate::anim::dwell_ms(step, self.player.speed.factor())),
            label: crate::player::packet_at(&run.steps, index),
        })
    }
}

impl Reducible for TracerState {
    type Action = TracerAction;

    fn reduce(self: Rc<Self>, action: TracerAction) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            TracerAction::Update(ToTracer { revision, text, lang }) => {
                let same_picture = state.picture.as_ref().is_some_and(|picture| picture.revision == revision);
                if same_picture && lang == state.lang {
                    return self;
                }
                state.lang = lang;
                if !same_picture {
                    state.take_picture(revision, &text);
                }
            }
            TracerAction::SetTerminalHost(host) => state.terminal.host = host,
            TracerAction::RunCommand(command) => {
                let Some(lab) = state.lab() else { return self };
                state.terminal.run(&mut lab.borrow_mut(), &command);
                if let Some(entry) = state.terminal.entries.last() {
                    state.announcement = Announcement::CommandDone { exit_code: entry.output.exit_code };
                }
            }
            TracerAction::ClearTerminal => state.terminal.clear(),
            TracerAction::EditSend(edit) => {
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
            TracerAction::Send => state.send(),
            TracerAction::SendMany => state.send_many(),
            TracerAction::Play => state.player.play(),
            TracerAction::Pause => state.player.playing = false,
            TracerAction::TogglePlay => {
                if state.player.playing {
                    state.player.playing = false;
                } else {
                    state.player.play();
                }
            }
            TracerAction::StepForward
            | TracerAction::StepBack
            | TracerAction::Restart
            | TracerAction::Seek(_)
            | TracerAction::Tick => {
                let before = state.player.index;
                match action {
                    TracerAction::StepForward => {
                        state.player.playing = false;
                        state.player.step_forward();
                    }
                    TracerAction::StepBack => {
                        state.player.playing = false;
                        state.player.step_back();
                    }
                    TracerAction::Restart => state.player.restart(),
                    TracerAction::Seek(index) => {
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
            TracerAction::SetSpeed(speed) => state.player.speed = speed,
            TracerAction::SetKeyStepsOnly(on) => state.player.set_key_steps_only(on),
        }
        Rc::new(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;

    fn update(revision: u64, text: &str) -> TracerAction {
        TracerAction::Update(ToTracer { revision, text: Rc::from(text), lang: Lang::En })
    }

    fn start() -> Rc<TracerState> {
        Rc::new(TracerState::new(Lang::En)).reduce(update(1, Example::NodePort.text()))
    }

    #[test]
    fn the_page_picture_is_rebuilt_once_per_revision() {
        let empty = Rc::new(TracerState::new(Lang::Ja));
        assert!(empty.picture.is_none());
        // Nothing to trace before the page has spoken.
        let refused = Rc::clone(&empty).reduce(TracerAction::Send);
        assert_eq!(refused.send_error, Some(SendError::NoCluster));
        let state = empty.reduce(update(4, Example::NodePort.text()));
        let picture = state.picture.clone().expect("a picture");
        assert_eq!(picture.revision, 4);
        assert_eq!(state.lang, Lang::En);
        assert_eq!(state.terminal.host, "client");
        // The same revision again (the page re-rendered) changes nothing.
        let again = Rc::clone(&state).reduce(update(4, Example::NodePort.text()));
        assert!(Rc::ptr_eq(&again, &state));
        // A language change keeps the picture.
        let ja = state.reduce(TracerAction::Update(ToTracer { revision: 4, text: Rc::from(""), lang: Lang::Ja }));
        assert_eq!(ja.lang, Lang::Ja);
        assert!(ja.picture.as_ref().is_some_and(|p| Rc::ptr_eq(p, &picture)));
    }

    #[test]
    fn terminal_commands_run_on_the_page_picture() {
        let state = start().reduce(TracerAction::SetTerminalHost("node2".into())).reduce(TracerAction::RunCommand("hostname".into()));
        assert_eq!(state.terminal.entries.last().map(|e| e.output.stdout.as_str()), Some("node2\n"));
        assert_eq!(state.announcement, Announcement::CommandDone { exit_code: 0 });
        let state = state.reduce(TracerAction::SetTerminalHost("default/nginx".into())).reduce(TracerAction::RunCommand("hostname".into()));
        assert_eq!(state.terminal.entries.last().map(|e| e.output.stdout.as_str()), Some("nginx\n"));
        let state = state.reduce(TracerAction::ClearTerminal);
        assert!(state.terminal.entries.is_empty());
    }

    fn sent() -> Rc<TracerState> {
        // The post: client -> node1:31000 (the form's default for the NodePort example).
        start().reduce(TracerAction::Send)
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
        let state = state.reduce(TracerAction::SetTerminalHost("node1".into())).reduce(TracerAction::RunCommand("conntrack -L".into()));
        let output = &state.terminal.entries.last().expect("an entry").output.stdout;
        assert!(output.contains("dport=31000") && output.contains("src=192.168.231.166"), "{output}");
        // A terminal curl is the same world: the session moved on, the run keeps its copy.
        let run_before = Rc::clone(&run.before);
        let state = state
            .reduce(TracerAction::SetTerminalHost("client".into()))
            .reduce(TracerAction::RunCommand("curl -s http://172.16.120.63:31000/".into()));
        assert_eq!(state.terminal.entries.last().map(|e| e.output.exit_code), Some(0));
        assert!(Rc::ptr_eq(&state.player.run.as_ref().expect("run").before, &run_before));
    }

    #[test]
    fn the_packet_view_follows_the_player() {
        let state = start();
        assert_eq!(state.packet_view(), None, "no run, no packet");
        let state = state.reduce(TracerAction::Send);
        let first = state.packet_view().expect("the first step's packet");
        assert_eq!(first.host, "client");
        assert_eq!(first.previous, None);
        let state = state.reduce(TracerAction::StepForward);
        let second = state.packet_view().expect("the next shown step's packet");
        assert_ne!(second.key, first.key);
        assert_eq!(second.previous, Some((first.host.clone(), first.at.clone())));
        // A new picture from the page drops the run and its packet.
        let state = state.reduce(update(2, Example::ClusterIp.text()));
        assert_eq!(state.packet_view(), None);
    }

    #[test]
    fn stepping_stays_in_bounds_and_back_restores_the_index() {
        let state = sent();
        let total = state.player.steps().len();
        let state = state.reduce(TracerAction::StepBack);
        assert_eq!(state.player.index, 0);
        let state = state.reduce(TracerAction::StepForward);
        let one = state.player.index;
        assert!(one > 0);
        let state = state.reduce(TracerAction::StepForward).reduce(TracerAction::StepBack);
        assert_eq!(state.player.index, one);
        let state = state.reduce(TracerAction::Seek(usize::MAX));
        assert_eq!(state.player.index, total - 1);
        assert!(state.player.at_end());
        let state = state.reduce(TracerAction::Restart);
        assert_eq!(state.player.index, 0);
        let state = state.reduce(TracerAction::Seek(7));
        assert_eq!(state.player.index, 7);
        assert!(matches!(state.announcement, Announcement::Step { index: 7 }));
    }

    #[test]
    fn playing_ticks_to_the_end_and_stops() {
        let mut state = sent().reduce(TracerAction::SetSpeed(Speed::Four)).reduce(TracerAction::Play);
        assert!(state.player.playing);
        assert_eq!(state.player.speed, Speed::Four);
        let mut ticks = 0;
        while state.player.playing && ticks < 10_000 {
            state = state.reduce(TracerAction::Tick);
            ticks += 1;
        }
        assert!(!state.player.playing);
        assert!(state.player.at_end());
        // A tick after the end changes nothing (the same state comes back).
        let again = Rc::clone(&state).reduce(TracerAction::Tick);
        assert!(Rc::ptr_eq(&again, &state));
        // Play at the end starts over; toggling pauses.
        let state = state.reduce(TracerAction::TogglePlay);
        assert!(state.player.playing && state.player.index == 0);
        let state = state.reduce(TracerAction::TogglePlay);
        assert!(!state.player.playing);
        // Stepping by hand pauses.
        let state = state.reduce(TracerAction::Play).reduce(TracerAction::StepForward);
        assert!(!state.player.playing);
    }

    #[test]
    fn a_new_picture_clears_the_trace_the_lab_and_the_spread() {
        let state = sent().reduce(TracerAction::SendMany);
        assert!(state.spread.is_some());
        assert!(state.world.is_some());
        let state = state.reduce(update(2, Example::ClusterIp.text()));
        assert!(state.player.run.is_none());
        assert!(state.spread.is_none());
        assert!(state.world.is_none());
    }

    #[test]
    fn a_bad_url_gives_a_message_and_no_trace() {
        let state = start()
            .reduce(TracerAction::EditSend(SendEdit::Kind(Kind::Url)))
            .reduce(TracerAction::EditSend(SendEdit::Url("http://172.16.120.63:0/".into())))
            .reduce(TracerAction::Send);
        assert!(state.player.run.is_none());
        assert!(matches!(&state.send_error, Some(SendError::BadUrl { why, .. }) if why == "port 0"));
        assert_eq!(state.announcement, Announcement::SendFailed);
        // Editing the form clears the message.
        let state = state.reduce(TracerAction::EditSend(SendEdit::Url("http://172.16.120.63:31000/".into())));
        assert_eq!(state.send_error, None);
        let state = state.reduce(TracerAction::Send);
        assert!(state.player.run.is_some());
    }

    #[test]
    fn send_many_counts_a_thousand_without_changing_the_world() {
        // The outside client has no route to the Service CIDR: every run says so.
        let state = start().reduce(TracerAction::EditSend(SendEdit::Kind(Kind::ClusterIp))).reduce(TracerAction::SendMany);
        let spread = state.spread.clone().expect("a spread");
        assert!(spread.shares.iter().all(|share| share.endpoint == "no route"), "{spread:?}");
        // From a node, the ClusterIP's one endpoint takes them all.
        let state = state
            .reduce(TracerAction::EditSend(SendEdit::From("node1".into())))
            .reduce(TracerAction::EditSend(SendEdit::Choice("default/sample-service:8080".into())))
            .reduce(TracerAction::SendMany);
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
