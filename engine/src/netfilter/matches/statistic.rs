//! `-m statistic --mode random --probability P` (and `--mode nth --every N --packet P`).
//!
//! Part of the netfilter matches. kube-proxy spreads connections over endpoints with a cascade
//! of random matches. libxt_statistic.c saves ` --mode random[ !] --probability %.11f` and
//! ` --mode nth[ !] --every N --packet P`; the kernel stores `every - 1`.

use std::fmt;

use crate::netfilter::probability::Probability;

/// How a statistic match decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatisticMode {
    /// Matches with the given probability, independently for each packet.
    Random { probability: Probability },
    /// Matches packet number `packet` (0-based) of every `every` packets.
    Nth { every: u32, packet: u32 },
}

/// The statistic match; `negated` is the `!` after the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Statistic {
    pub mode: StatisticMode,
    pub negated: bool,
}

impl Statistic {
    pub fn random(probability: Probability) -> Statistic {
        Statistic { mode: StatisticMode::Random { probability }, negated: false }
    }

    /// The text after `statistic` in `iptables -L` (prefix "" in `print_match`).
    pub(crate) fn list_options(&self) -> String {
        let bang = if self.negated { " !" } else { "" };
        match self.mode {
            StatisticMode::Random { probability } => format!(" mode random{bang} probability {probability}"),
            StatisticMode::Nth { every, packet } => {
                let mut out = format!(" mode nth{bang} every {every}");
                if packet != 0 {
                    out.push_str(&format!(" packet {packet}"));
                }
                out
            }
        }
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bang = if self.negated { " !" } else { "" };
        match self.mode {
            StatisticMode::Random { probability } => {
                write!(f, "-m statistic --mode random{bang} --probability {probability}")
            }
            StatisticMode::Nth { every, packet } => {
                write!(f, "-m statistic --mode nth{bang} --every {every} --packet {packet}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_eleven_decimals() {
        let half = Statistic::random(Probability::parse("0.5000000000").unwrap());
        assert_eq!(half.to_string(), "-m statistic --mode random --probability 0.50000000000");
        assert_eq!(half.list_options(), " mode random probability 0.50000000000");
        let nth = Statistic { mode: StatisticMode::Nth { every: 3, packet: 0 }, negated: true };
        assert_eq!(nth.to_string(), "-m statistic --mode nth ! --every 3 --packet 0");
    }
}
