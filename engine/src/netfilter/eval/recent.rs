//! `RecentLists`: the kernel's `xt_recent` tables, kube-proxy's ClientIP session affinity.
//!
//! Part of [`crate::netfilter::eval`]. A port of `recent_mt` (net/netfilter/xt_recent.c):
//! each `--name` is a table of addresses (masked with `--mask`), each with up to
//! `ip_pkt_list_tot` (20) time stamps and the TTL of the last packet; at most `ip_list_tot`
//! (200) addresses per table, the least recently updated one being evicted first. The lab
//! clock counts seconds where the kernel counts jiffies.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::netfilter::matches::{Recent, RecentCommand};

/// `ip_pkt_list_tot`: time stamps kept per address (module parameter, default 20).
pub const STAMPS_PER_ENTRY: usize = 20;
/// `ip_list_tot`: addresses kept per table (module parameter, default 200).
pub const ENTRIES_PER_LIST: usize = 200;

/// One address in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentEntry {
    /// Seconds of the last `STAMPS_PER_ENTRY` updates, oldest first.
    pub stamps: Vec<u64>,
    /// The TTL seen at the last update (for `--rttl`).
    pub ttl: u8,
    /// Position in the LRU order (larger = updated later).
    pub lru: u64,
}

impl RecentEntry {
    /// The most recent time stamp.
    pub fn last_seen(&self) -> Option<u64> {
        self.stamps.last().copied()
    }
}

/// One `--name` table, as `/proc/net/xt_recent/NAME` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RecentList {
    pub entries: BTreeMap<Ipv4Addr, RecentEntry>,
}

/// All tables of one node.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RecentLists {
    lists: BTreeMap<String, RecentList>,
    clock: u64,
}

/// What one evaluation of a recent match found and did, for the explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentResult {
    pub matched: bool,
    pub address: Ipv4Addr,
    /// A sentence saying what the list held and what changed.
    pub note: String,
}

impl RecentLists {
    pub fn new() -> RecentLists {
        RecentLists::default()
    }

    pub fn list(&self, name: &str) -> Option<&RecentList> {
        self.lists.get(name)
    }

    pub fn lists(&self) -> impl Iterator<Item = (&String, &RecentList)> {
        self.lists.iter()
    }

    /// Adds an address as `echo +ADDR > /proc/net/xt_recent/NAME` would, at `now`.
    pub fn add(&mut self, name: &str, address: Ipv4Addr, now: u64) {
        self.clock = self.clock.saturating_add(1);
        let lru = self.clock;
        let list = self.lists.entry(name.to_string()).or_default();
        let entry = list.entries.entry(address).or_insert(RecentEntry {
            stamps: Vec::new(),
            ttl: 0,
            lru,
        });
        push_stamp(entry, now);
        entry.lru = lru;
    }

    /// `recent_mt` for one rule. `address` is already the side's address (`--rsource`/`--rdest`);
    /// `ttl` is the TTL as the kernel sees it.
    pub fn evaluate(
        &mut self,
        recent: &Recent,
        address: Ipv4Addr,
        ttl: u8,
        now: u64,
    ) -> RecentResult {
        let masked = Ipv4Addr::from(u32::from(address) & u32::from(recent.mask));
        self.clock = self.clock.saturating_add(1);
        let lru = self.clock;
        let list = self.lists.entry(recent.name.clone()).or_default();
        let check_ttl = if recent.rttl { ttl } else { 0 };
        let mut matched = recent.negated;
        let found = list
            .entries
            .get(&masked)
            .filter(|entry| check_ttl == 0 || entry.ttl == 0 || entry.ttl == check_ttl)
            .is_some();
        if !found {
            if recent.command != RecentCommand::Set {
                return RecentResult {
                    matched,
                    address: masked,
                    note: format!("{masked} is not in list {}", recent.name),
                };
            }
            if list.entries.len() >= ENTRIES_PER_LIST {
                evict_oldest(list);
            }
            list.entries.insert(
                masked,
                RecentEntry {
                    stamps: vec![now],
                    ttl,
                    lru,
                },
            );
            return RecentResult {
                matched: !matched,
                address: masked,
                note: format!("{masked} added to list {} at {now}s", recent.name),
            };
        }
        let mut note;
        let mut refresh = false;
        match recent.command {
            RecentCommand::Set => {
                matched = !matched;
                refresh = true;
                note = format!("{masked} refreshed in list {} at {now}s", recent.name);
            }
            RecentCommand::Remove => {
                list.entries.remove(&masked);
                matched = !matched;
                note = format!("{masked} removed from list {}", recent.name);
            }
            RecentCommand::Check | RecentCommand::Update => {
                let seconds = u64::from(recent.seconds);
                let stamps = list
                    .entries
                    .get(&masked)
                    .map(|entry| entry.stamps.clone())
                    .unwrap_or_default();
                let last = stamps.last().copied().unwrap_or(0);
                let mut hits = 0u32;
                for stamp in &stamps {
                    // `time_after(jiffies - seconds, stamp)`: stamps older than the window do not count.
                    if seconds != 0 && now > stamp.saturating_add(seconds) {
                        continue;
                    }
                    hits = hits.saturating_add(1);
                    if recent.hit_count == 0 || hits >= recent.hit_count {
                        matched = !matched;
                        break;
                    }
                }
                let within = if seconds == 0 {
                    String::new()
                } else {
                    format!(" (window {seconds}s, {}s ago)", now.saturating_sub(last))
                };
                note = format!(
                    "{masked} last seen in list {} at {last}s{within}",
                    recent.name
                );
                refresh = recent.command == RecentCommand::Update && matched != recent.negated;
                if recent.reap {
                    let cutoff = now.saturating_sub(seconds);
                    if let Some(reaped) = reap(list, cutoff, masked, refresh) {
                        note.push_str(&format!("; reaped expired {reaped}"));
                    }
                }
            }
        }
        if refresh && let Some(entry) = list.entries.get_mut(&masked) {
            push_stamp(entry, now);
            entry.ttl = ttl;
            entry.lru = lru;
        }
        RecentResult {
            matched,
            address: masked,
            note,
        }
    }
}

fn push_stamp(entry: &mut RecentEntry, now: u64) {
    if entry.stamps.len() >= STAMPS_PER_ENTRY {
        entry.stamps.remove(0);
    }
    entry.stamps.push(now);
}

/// `recent_entry_init` with a full table removes the least recently updated entry.
fn evict_oldest(list: &mut RecentList) {
    if let Some(oldest) = list
        .entries
        .iter()
        .min_by_key(|(_, entry)| entry.lru)
        .map(|(address, _)| *address)
    {
        list.entries.remove(&oldest);
    }
}

/// `recent_entry_reap`: only the least recently updated entry is looked at; it goes if its
/// last stamp is before `cutoff` (unless it is the entry about to be updated).
fn reap(list: &mut RecentList, cutoff: u64, working: Ipv4Addr, update: bool) -> Option<Ipv4Addr> {
    let (oldest, last) = list
        .entries
        .iter()
        .min_by_key(|(_, entry)| entry.lru)
        .map(|(address, entry)| (*address, entry.last_seen().unwrap_or(0)))?;
    if (oldest == working && update) || last >= cutoff {
        return None;
    }
    list.entries.remove(&oldest);
    Some(oldest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Ipv4Addr {
        Ipv4Addr::new(10, 0, 0, 2)
    }

    #[test]
    fn set_then_rcheck_within_and_after_the_window() {
        let mut lists = RecentLists::new();
        let check = Recent::affinity_check("KUBE-SEP-A", 10800);
        assert!(!lists.evaluate(&check, client(), 64, 100).matched);
        let set = Recent::new(RecentCommand::Set, "KUBE-SEP-A");
        assert!(lists.evaluate(&set, client(), 64, 100).matched);
        assert!(lists.evaluate(&check, client(), 64, 100 + 10800).matched);
        // One second past the window: no match, and --reap removes the stale entry.
        let late = lists.evaluate(&check, client(), 64, 100 + 10801);
        assert!(!late.matched);
        assert!(lists.list("KUBE-SEP-A").unwrap().entries.is_empty());
    }

    #[test]
    fn update_refreshes_and_hitcount_counts_stamps_in_the_window() {
        let mut lists = RecentLists::new();
        let set = Recent::new(RecentCommand::Set, "SSH");
        lists.evaluate(&set, client(), 64, 10);
        lists.evaluate(&set, client(), 64, 20);
        let third_hit = Recent {
            seconds: 60,
            hit_count: 3,
            ..Recent::new(RecentCommand::Update, "SSH")
        };
        // Two stamps (10, 20): not yet three hits; a failed --update does not refresh.
        assert!(!lists.evaluate(&third_hit, client(), 64, 30).matched);
        lists.evaluate(&set, client(), 64, 40);
        // Three stamps in the window: matches, and --update adds a fourth stamp.
        assert!(lists.evaluate(&third_hit, client(), 64, 50).matched);
        assert_eq!(
            lists
                .list("SSH")
                .unwrap()
                .entries
                .get(&client())
                .unwrap()
                .stamps,
            [10, 20, 40, 50]
        );
        // At 81 the stamp 20 is out of the 60 s window (81 > 20 + 60): 40 and 50 are two hits.
        assert!(!lists.evaluate(&third_hit, client(), 64, 81).matched);
    }

    #[test]
    fn mask_and_remove() {
        let mut lists = RecentLists::new();
        let mut set = Recent::new(RecentCommand::Set, "L");
        set.mask = Ipv4Addr::new(255, 255, 255, 0);
        lists.evaluate(&set, Ipv4Addr::new(10, 0, 0, 9), 64, 1);
        let mut check = Recent::new(RecentCommand::Check, "L");
        check.mask = set.mask;
        assert!(
            lists
                .evaluate(&check, Ipv4Addr::new(10, 0, 0, 200), 64, 2)
                .matched
        );
        let mut remove = Recent::new(RecentCommand::Remove, "L");
        remove.mask = set.mask;
        assert!(
            lists
                .evaluate(&remove, Ipv4Addr::new(10, 0, 0, 1), 64, 3)
                .matched
        );
        assert!(
            !lists
                .evaluate(&check, Ipv4Addr::new(10, 0, 0, 9), 64, 4)
                .matched
        );
        let negated = Recent {
            negated: true,
            ..check
        };
        assert!(
            lists
                .evaluate(&negated, Ipv4Addr::new(10, 0, 0, 9), 64, 5)
                .matched
        );
    }
}
