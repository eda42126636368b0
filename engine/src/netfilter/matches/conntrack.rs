//! `-m conntrack [!] --ctstate STATES`: the connection-tracking state of a packet.
//!
//! Part of the netfilter matches. kube-proxy uses `NEW`, `INVALID`, `RELATED,ESTABLISHED` and
//! `! --ctstate RELATED,ESTABLISHED,DNAT`. libxt_conntrack.c prints states comma-separated in
//! the fixed order INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED, SNAT, DNAT.

use std::fmt;

use crate::netfilter::negatable::Negatable;

/// One conntrack state, in print order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CtState {
    Invalid,
    New,
    Related,
    Established,
    Untracked,
    Snat,
    Dnat,
}

impl CtState {
    pub const ALL: [CtState; 7] = [
        CtState::Invalid,
        CtState::New,
        CtState::Related,
        CtState::Established,
        CtState::Untracked,
        CtState::Snat,
        CtState::Dnat,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CtState::Invalid => "INVALID",
            CtState::New => "NEW",
            CtState::Related => "RELATED",
            CtState::Established => "ESTABLISHED",
            CtState::Untracked => "UNTRACKED",
            CtState::Snat => "SNAT",
            CtState::Dnat => "DNAT",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of conntrack states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CtStates(u8);

impl CtStates {
    pub fn of(states: &[CtState]) -> CtStates {
        CtStates(states.iter().fold(0, |bits, state| bits | state.bit()))
    }

    pub fn contains(self, state: CtState) -> bool {
        self.0 & state.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Parses `RELATED,ESTABLISHED` (names case-insensitive, as `strncasecmp` in libxt_conntrack).
    pub fn parse(text: &str) -> Option<CtStates> {
        let mut bits = 0u8;
        for part in text.split(',') {
            let state = CtState::ALL.into_iter().find(|state| state.name().eq_ignore_ascii_case(part))?;
            bits |= state.bit();
        }
        Some(CtStates(bits))
    }
}

impl fmt::Display for CtStates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for state in CtState::ALL {
            if self.contains(state) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(state.name())?;
                first = false;
            }
        }
        Ok(())
    }
}

/// The conntrack match (only `--ctstate` is modelled; other options parse as an unknown match).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Conntrack {
    pub state: Negatable<CtStates>,
}

impl Conntrack {
    pub fn state(states: &[CtState]) -> Conntrack {
        Conntrack { state: Negatable::is(CtStates::of(states)) }
    }

    pub fn not_state(states: &[CtState]) -> Conntrack {
        Conntrack { state: Negatable::not(CtStates::of(states)) }
    }

    /// `[! ]ctstate STATES`, as `iptables -L` prints it.
    pub(crate) fn list_text(&self) -> String {
        format!("{}ctstate {}", self.state.bang(), self.state.value)
    }
}

impl fmt::Display for Conntrack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-m conntrack {}--ctstate {}", self.state.bang(), self.state.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_print_in_kernel_order() {
        let states = CtStates::parse("dnat,ESTABLISHED,RELATED").unwrap();
        assert_eq!(states.to_string(), "RELATED,ESTABLISHED,DNAT");
        assert_eq!(CtStates::parse("NEW,BOGUS"), None);
        assert_eq!(
            Conntrack::not_state(&[CtState::Related, CtState::Established, CtState::Dnat]).to_string(),
            "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT"
        );
    }
}
