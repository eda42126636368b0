//! `-m rpfilter [--loose] [--validmark] [--accept-local] [--invert]`: reverse-path check.
//!
//! Part of the netfilter matches. Calico's raw `cali-PREROUTING` drops workload packets that
//! fail the strict check: `-m rpfilter --validmark --invert -j DROP`. libxt_rpfilter.c saves
//! the flags in the order loose, validmark, accept-local, invert.

use std::fmt;

/// The rpfilter match; each flag is one option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rpfilter {
    pub loose: bool,
    pub validmark: bool,
    pub accept_local: bool,
    pub invert: bool,
}

impl Rpfilter {
    fn flags(&self) -> impl Iterator<Item = &'static str> {
        [
            (self.loose, "loose"),
            (self.validmark, "validmark"),
            (self.accept_local, "accept-local"),
            (self.invert, "invert"),
        ]
        .into_iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| name)
    }

    pub(crate) fn list_options(&self) -> String {
        self.flags().map(|name| format!(" {name}")).collect()
    }
}

impl fmt::Display for Rpfilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("-m rpfilter")?;
        for name in self.flags() {
            write!(f, " --{name}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calico_strict_check() {
        let strict = Rpfilter { validmark: true, invert: true, ..Rpfilter::default() };
        assert_eq!(strict.to_string(), "-m rpfilter --validmark --invert");
    }
}
