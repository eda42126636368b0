//! What the kernels remember between connections: each host's conntrack table and
//! `xt_recent` lists, the lab clock, and the seeded generator.
//!
//! Part of [`crate::trace`]. A [`Session`] is a value the caller keeps; every trace borrows it
//! mutably, so the second connection of a ClientIP-affinity Service finds the first one's
//! `recent` entry and a reply finds its conntrack entry. [`Session::reset`] forgets it all.

use std::collections::BTreeMap;

use crate::conntrack::ConntrackTable;
use crate::netfilter::eval::NetfilterState;
use crate::packet::LabTime;
use crate::random::Rng;

/// Linux's default ephemeral port range (`net.ipv4.ip_local_port_range = 32768 60999`).
pub const EPHEMERAL_PORTS: std::ops::Range<u64> = 32768..61000;

/// The time the lab clock starts at, in microseconds after midnight (noon).
pub const START_MICROS: u64 = 12 * 3600 * 1_000_000;

/// Per-host kernel state across connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The seed the session started from.
    pub seed: u64,
    pub rng: Rng,
    /// The lab clock.
    pub now: LabTime,
    /// Host name -> conntrack table.
    pub conntrack: BTreeMap<String, ConntrackTable>,
    /// Host name -> `recent` lists and counters.
    pub netfilter: BTreeMap<String, NetfilterState>,
}

impl Session {
    /// A fresh session: empty tables, the clock at noon, the generator seeded with `seed`.
    pub fn new(seed: u64) -> Session {
        Session {
            seed,
            rng: Rng::seeded(seed),
            now: LabTime::from_micros(START_MICROS),
            conntrack: BTreeMap::new(),
            netfilter: BTreeMap::new(),
        }
    }

    /// Forgets every connection and list, and restarts the generator from the seed.
    pub fn reset(&mut self) {
        *self = Session::new(self.seed);
    }

    /// The conntrack table of `host` (empty if it has none yet).
    pub fn conntrack(&self, host: &str) -> Option<&ConntrackTable> {
        self.conntrack.get(host)
    }

    /// Moves the clock forward.
    pub fn advance_micros(&mut self, micros: u64) {
        self.now = self.now.plus_micros(micros);
    }
}
