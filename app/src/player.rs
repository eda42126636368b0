//! The player: one traced connection and the step being shown.
//!
//! After the tracer (`engine::trace::trace` gives a [`Trace`]), before the components (event
//! list, packet on the diagram, transcript, inspector). The steps are flattened once in
//! `Trace::all_steps` order (DNS lookups, the handshake, the rest, Envoy's second connection,
//! by lab time); everything shown for step `i` depends only on the run and `i`, so stepping
//! back shows exactly what was shown before. Playing is a flag; the component's timer sends
//! ticks and the reducer stops at the last step.

use std::rc::Rc;

use engine::netfilter::eval::{StepOutcome, Verdict};
use engine::trace::{Event, Session, Step, Trace};

/// A traced connection, as the player shows it.
#[derive(Clone, Debug)]
pub struct Run {
    /// Counts the runs of this page: a cheap identity for memoising.
    pub id: u64,
    /// The tracer host it started on and the URL sent.
    pub from: String,
    pub url: String,
    pub trace: Rc<Trace>,
    /// `trace.all_steps()`, in that order.
    pub steps: Rc<Vec<Step>>,
    /// Which part of the connection each step belongs to.
    pub phases: Rc<Vec<Phase>>,
    /// The session as it was before the trace (the inspector rebuilds conntrack from it).
    pub before: Rc<Session>,
    /// The picture revision it ran on.
    pub revision: u64,
}

impl Run {
    pub fn new(id: u64, revision: u64, from: String, url: String, trace: Trace, before: Session) -> Run {
        let (phases, steps): (Vec<Phase>, Vec<Step>) = flatten(&trace).into_iter().unzip();
        Run {
            id,
            from,
            url,
            trace: Rc::new(trace),
            steps: Rc::new(steps),
            phases: Rc::new(phases),
            before: Rc::new(before),
            revision,
        }
    }

    pub fn phase(&self, index: usize) -> Option<Phase> {
        self.phases.get(index).copied()
    }

    /// The last step's index (0 when there are none).
    pub fn last(&self) -> usize {
        self.steps.len().saturating_sub(1)
    }
}

/// The part of a connection a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// A DNS query before the connection.
    Lookup,
    /// The SYN there and the SYN-ACK (or reset) back; through Envoy, its decision.
    Handshake,
    /// Envoy's own connection to the backend.
    Upstream,
    /// The packets after the handshake (ACK, request, response, FIN): the same path again.
    Rest,
}

/// The steps of `trace` with their phases, in exactly `Trace::all_steps` order (the same
/// concatenation, then the same stable sort by lab time).
pub fn flatten(trace: &Trace) -> Vec<(Phase, Step)> {
    let tag = |phase: Phase| move |step: &Step| (phase, step.clone());
    let mut steps: Vec<(Phase, Step)> = trace
        .lookups
        .iter()
        .flat_map(|lookup| lookup.steps.iter())
        .map(tag(Phase::Lookup))
        .chain(trace.steps.iter().map(tag(Phase::Handshake)))
        .chain(trace.rest.iter().map(tag(Phase::Rest)))
        .collect();
    if let Some(proxy) = &trace.proxy {
        steps.extend(proxy.steps.iter().map(tag(Phase::Handshake)));
        if let Some(leg) = &proxy.leg {
            steps.extend(leg.steps.iter().map(tag(Phase::Upstream)));
            steps.extend(leg.rest.iter().map(tag(Phase::Rest)));
        }
    }
    engine::sort::by_key(&mut steps, |(_, step)| step.time);
    steps
}

/// Playback speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Speed {
    Half,
    #[default]
    One,
    Two,
    Four,
}

impl Speed {
    pub const ALL: [Speed; 4] = [Speed::Half, Speed::One, Speed::Two, Speed::Four];

    /// How much faster than 1× (0.5, 1, 2, 4).
    pub fn factor(self) -> f64 {
        match self {
            Speed::Half => 0.5,
            Speed::One => 1.0,
            Speed::Two => 2.0,
            Speed::Four => 4.0,
        }
    }

    /// `0.5×`, `1×` … (the same in both languages).
    pub fn label(self) -> &'static str {
        match self {
            Speed::Half => "0.5×",
            Speed::One => "1×",
            Speed::Two => "2×",
            Speed::Four => "4×",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Speed::Half => "0.5",
            Speed::One => "1",
            Speed::Two => "2",
            Speed::Four => "4",
        }
    }

    pub fn from_id(id: &str) -> Option<Speed> {
        Speed::ALL.into_iter().find(|speed| speed.id() == id)
    }
}

/// The player's state in the store.
#[derive(Clone, Debug, Default)]
pub struct Player {
    pub run: Option<Rc<Run>>,
    /// The step shown, an index into `run.steps`.
    pub index: usize,
    pub playing: bool,
    pub speed: Speed,
    /// Show and step through only the [`is_key`] steps of the connection itself (rules that
    /// did not match, the tables' plain ACCEPT verdicts and the packets after the handshake
    /// are passed over).
    pub key_steps_only: bool,
}

impl Player {
    /// A fresh player on `run`, at its first step, paused; speed and filter are kept.
    pub fn load(&mut self, run: Run) {
        self.run = Some(Rc::new(run));
        self.playing = false;
        self.index = self.first();
    }

    /// Forgets the run (a new picture made it stale).
    pub fn clear(&mut self) {
        self.run = None;
        self.index = 0;
        self.playing = false;
    }

    pub fn steps(&self) -> &[Step] {
        self.run.as_ref().map_or(&[], |run| run.steps.as_slice())
    }

    pub fn current(&self) -> Option<&Step> {
        self.steps().get(self.index)
    }

    /// Whether step `index` is shown under the current filter.
    pub fn shown(&self, index: usize) -> bool {
        let Some(run) = &self.run else { return false };
        let Some(step) = run.steps.get(index) else { return false };
        !self.key_steps_only || (is_key(step) && run.phase(index) != Some(Phase::Rest))
    }

    fn first(&self) -> usize {
        (0..self.steps().len()).find(|&i| self.shown(i)).unwrap_or(0)
    }

    fn last(&self) -> usize {
        (0..self.steps().len()).rev().find(|&i| self.shown(i)).unwrap_or(0)
    }

    /// Whether the shown step is the last one.
    pub fn at_end(&self) -> bool {
        self.run.is_some() && self.index >= self.last()
    }

    /// One step on (to the next shown step); false at the end.
    pub fn step_forward(&mut self) -> bool {
        let next = (self.index.saturating_add(1)..self.steps().len()).find(|&i| self.shown(i));
        match next {
            Some(next) => {
                self.index = next;
                true
            }
            None => false,
        }
    }

    /// One step back; false at the start.
    pub fn step_back(&mut self) -> bool {
        match (0..self.index).rev().find(|&i| self.shown(i)) {
            Some(previous) => {
                self.index = previous;
                true
            }
            None => false,
        }
    }

    pub fn restart(&mut self) {
        self.index = self.first();
    }

    /// Shows step `index` (clamped to the run).
    pub fn jump_to(&mut self, index: usize) {
        self.index = index.min(self.steps().len().saturating_sub(1));
    }

    /// Starts playing; from the start again when at the end.
    pub fn play(&mut self) {
        if self.run.is_none() {
            return;
        }
        if self.at_end() {
            self.restart();
        }
        self.playing = true;
    }

    /// The timer fired: one step on, and stop at the end.
    pub fn tick(&mut self) {
        if !self.playing {
            return;
        }
        self.step_forward();
        if self.at_end() {
            self.playing = false;
        }
    }

    /// Switches the filter; the shown step stays when it is still shown, else the next one.
    pub fn set_key_steps_only(&mut self, on: bool) {
        self.key_steps_only = on;
        if !self.shown(self.index) && !self.step_forward() {
            self.step_back();
        }
    }
}

/// Whether a step matters when reading the connection: not a rule that did not match, not a
/// return to the calling chain, not a table's plain ACCEPT.
pub fn is_key(step: &Step) -> bool {
    match &step.event {
        Event::Rule(rule) => !matches!(
            rule.outcome,
            StepOutcome::NoMatch | StepOutcome::Return { .. } | StepOutcome::Counted | StepOutcome::Logged
        ) && !matches!(rule.outcome, StepOutcome::Policy(engine::netfilter::policy::Policy::Accept)),
        Event::Verdict(verdict) => *verdict != Verdict::Accept,
        Event::Mark { .. } => false,
        _ => true,
    }
}

/// Whether a step decides where the packet goes: NAT, routing, encapsulation, a drop or
/// reject, Envoy's route, a random draw that was taken.
pub fn is_decisive(step: &Step) -> bool {
    match &step.event {
        Event::Dnat { .. }
        | Event::Snat { .. }
        | Event::Route { .. }
        | Event::Encap { .. }
        | Event::Decap { .. }
        | Event::Dropped { .. }
        | Event::Rejected { .. }
        | Event::Reset { .. }
        | Event::NoRoute { .. }
        | Event::EnvoyRoute { .. }
        | Event::CloudBalancer { .. } => true,
        Event::Rule(rule) => {
            matches!(rule.outcome, StepOutcome::Nat(_) | StepOutcome::Drop | StepOutcome::Reject(_))
                || draw(step).is_some()
        }
        _ => false,
    }
}

/// A `statistic --mode random` draw in a rule step: (value, threshold, taken).
pub fn draw(step: &Step) -> Option<(u32, u32, bool)> {
    let Event::Rule(rule) = &step.event else { return None };
    rule.criteria
        .iter()
        .filter_map(|criterion| criterion.draw)
        .find_map(|draw| draw.value.map(|value| (value, draw.threshold, draw.taken)))
}

/// The packet as it is at step `index`: the newest packet any step up to it carried, as
/// `src:port > dst:port` of the innermost header.
pub fn packet_at(steps: &[Step], index: usize) -> Option<String> {
    let upto = steps.get(..=index.min(steps.len().saturating_sub(1)))?;
    upto.iter().rev().find_map(|step| {
        let packet = match &step.event {
            Event::DeviceTx { packet } | Event::DeviceRx { packet } | Event::AppResponded { packet } | Event::Reset { packet } => packet,
            Event::Dnat { after, .. }
            | Event::Snat { after, .. }
            | Event::Encap { after, .. }
            | Event::Decap { after, .. }
            | Event::ConntrackNat { after, .. } => after,
            _ => return None,
        };
        let inner = packet.innermost();
        Some(match inner.endpoints() {
            Some(ends) => format!("{}:{} > {}:{}", ends.src, ends.src_port, ends.dst, ends.dst_port),
            None => format!("{} > {}", inner.ip.src, inner.ip.dst),
        })
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::examples::Example;

    /// The post's NodePort: client -> node1:31000, traced.
    pub(crate) fn nodeport_run() -> Run {
        let (_, picture) = crate::analysis::analyse(Example::NodePort.text());
        let mut lab = engine::shell::Lab::from_cluster(picture.cluster);
        let before = lab.session().clone();
        let trace = lab.connect("client", "http://172.16.120.63:31000/", &engine::trace::TraceOptions::default()).clone();
        Run::new(1, 1, "client".into(), "http://172.16.120.63:31000/".into(), trace, before)
    }

    #[test]
    fn steps_follow_all_steps_and_bounds_hold() {
        let run = nodeport_run();
        let all: Vec<&Step> = run.trace.all_steps().collect();
        assert_eq!(run.steps.iter().collect::<Vec<_>>(), all);
        assert_eq!(run.phases.len(), run.steps.len());
        assert!(run.phases.contains(&Phase::Rest) && run.phases.contains(&Phase::Handshake));
        assert!(run.steps.len() > 20);
        let mut player = Player::default();
        player.load(run);
        assert_eq!(player.index, 0);
        assert!(!player.step_back(), "nothing before the first step");
        assert!(player.step_forward());
        assert_eq!(player.index, 1);
        player.jump_to(usize::MAX);
        assert!(player.at_end());
        assert!(!player.step_forward(), "nothing after the last step");
        player.restart();
        assert_eq!(player.index, 0);
    }

    #[test]
    fn key_steps_skip_unmatched_rules_but_keep_the_dnat() {
        let mut player = Player { key_steps_only: true, ..Player::default() };
        player.load(nodeport_run());
        let mut seen = vec![player.index];
        while player.step_forward() {
            seen.push(player.index);
        }
        let steps = player.steps();
        assert!(seen.len() < steps.len());
        assert!(seen.iter().all(|&i| is_key(&steps[i])));
        assert!(seen.iter().any(|&i| matches!(steps[i].event, Event::Dnat { .. })));
        // Every non-matching rule is passed over.
        assert!(!seen.iter().any(|&i| matches!(&steps[i].event, Event::Rule(r) if r.outcome == StepOutcome::NoMatch)));
    }

    #[test]
    fn the_packet_label_follows_the_nat() {
        let run = nodeport_run();
        let dnat = run.steps.iter().position(|s| matches!(s.event, Event::Dnat { .. })).expect("a DNAT step");
        let before = packet_at(&run.steps, dnat.saturating_sub(1)).unwrap_or_default();
        let after = packet_at(&run.steps, dnat).unwrap_or_default();
        assert!(before.ends_with("172.16.120.63:31000"), "{before}");
        assert!(after.ends_with("192.168.231.166:80"), "{after}");
        assert!(is_decisive(&run.steps[dnat]));
    }
}
