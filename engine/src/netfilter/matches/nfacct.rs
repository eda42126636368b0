//! `-m nfacct --nfacct-name NAME`: count packets in a named nfnetlink_acct object.
//!
//! Part of the netfilter matches. Always matches; kube-proxy uses it for
//! `ct_state_invalid_dropped_pkts` and `localhost_nps_accepted_pkts`. libxt_nfacct.c saves
//! with `printf(" %snfacct-name ", pfx)` followed by `xtables_save_string`, which adds its own
//! space: hence the two spaces in `--nfacct-name  NAME` (reference §12.8).

use std::fmt;

use crate::netfilter::quote::save_string;

/// The nfacct match.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nfacct {
    pub name: String,
}

impl Nfacct {
    pub fn new(name: impl Into<String>) -> Nfacct {
        Nfacct { name: name.into() }
    }

    /// `nfacct-name  NAME` (two spaces, as in the save form).
    pub(crate) fn list_text(&self) -> String {
        format!("nfacct-name  {}", save_string(&self.name))
    }
}

impl fmt::Display for Nfacct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-m nfacct --nfacct-name  {}", save_string(&self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_spaces_before_the_name() {
        assert_eq!(
            Nfacct::new("ct_state_invalid_dropped_pkts").to_string(),
            "-m nfacct --nfacct-name  ct_state_invalid_dropped_pkts"
        );
    }
}
