//! A match module the lab does not model (`-m icmp --icmp-type 8`, `-m policy ...`).
//!
//! Part of the netfilter matches. Its words are kept as given so the rule still prints, and the
//! evaluator can report "not emulated" instead of silently ignoring it.

use std::fmt;

use crate::netfilter::quote::quote_word;

/// `-m MODULE ARGS...` kept verbatim (each argument re-quoted only if it needs it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnknownMatch {
    pub module: String,
    pub args: Vec<String>,
}

impl UnknownMatch {
    pub(crate) fn list_options(&self) -> String {
        self.args.iter().map(|arg| format!(" {}", quote_word(arg))).collect()
    }
}

impl fmt::Display for UnknownMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-m {}", self.module)?;
        for arg in &self.args {
            write!(f, " {}", quote_word(arg))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_words() {
        let icmp = UnknownMatch { module: "icmp".into(), args: vec!["--icmp-type".into(), "8".into()] };
        assert_eq!(icmp.to_string(), "-m icmp --icmp-type 8");
    }
}
