//! `-m set [!] --match-set NAME src|dst[,...]`: membership in an ipset, as Calico uses it.
//!
//! Part of the netfilter matches. Calico's `cali-nat-outgoing` rule matches
//! `--match-set cali40masq-ipam-pools src`. libxt_set.c `print_match` saves
//! `[ !] --match-set NAME dir[,dir...]`. The set contents live outside iptables (ipset), so
//! evaluating this match needs the sets as input.

use std::fmt;

/// Which packet field one dimension of the set is looked up with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetDirection {
    Source,
    Destination,
}

impl SetDirection {
    pub fn name(self) -> &'static str {
        match self {
            SetDirection::Source => "src",
            SetDirection::Destination => "dst",
        }
    }
}

/// The set match (extra flags such as `--return-nomatch` parse as an unknown match).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetMatch {
    pub negated: bool,
    pub name: String,
    /// One to six dimensions (`IPSET_DIM_MAX`), e.g. `[Source]` or `[Destination, Destination]`.
    pub directions: Vec<SetDirection>,
}

impl SetMatch {
    pub fn new(name: impl Into<String>, direction: SetDirection) -> SetMatch {
        SetMatch { negated: false, name: name.into(), directions: vec![direction] }
    }

    /// Parses `src`, `dst,dst` ... (at most six).
    pub fn parse_directions(text: &str) -> Option<Vec<SetDirection>> {
        let directions: Option<Vec<SetDirection>> = text
            .split(',')
            .map(|part| match part {
                "src" => Some(SetDirection::Source),
                "dst" => Some(SetDirection::Destination),
                _ => None,
            })
            .collect();
        directions.filter(|list| !list.is_empty() && list.len() <= 6)
    }

    fn directions_text(&self) -> String {
        self.directions.iter().map(|direction| direction.name()).collect::<Vec<_>>().join(",")
    }

    /// `[! ]match-set NAME DIRS`, as `iptables -L` prints it.
    pub(crate) fn list_text(&self) -> String {
        format!("{}match-set {} {}", if self.negated { "! " } else { "" }, self.name, self.directions_text())
    }
}

impl fmt::Display for SetMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("-m set")?;
        if self.negated {
            f.write_str(" !")?;
        }
        write!(f, " --match-set {} {}", self.name, self.directions_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calico_nat_outgoing_sets() {
        let masq = SetMatch::new("cali40masq-ipam-pools", SetDirection::Source);
        assert_eq!(masq.to_string(), "-m set --match-set cali40masq-ipam-pools src");
        let all = SetMatch { negated: true, ..SetMatch::new("cali40all-ipam-pools", SetDirection::Destination) };
        assert_eq!(all.to_string(), "-m set ! --match-set cali40all-ipam-pools dst");
        assert_eq!(SetMatch::parse_directions("src,dst"), Some(vec![SetDirection::Source, SetDirection::Destination]));
        assert_eq!(SetMatch::parse_directions("src,any"), None);
    }
}
