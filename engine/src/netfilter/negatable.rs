//! `Negatable<T>`: a rule criterion that may be inverted with `!` (`! -s 10.0.0.0/8`).
//!
//! Part of the netfilter model; used by the rule's own fields and by matches.

/// A value with an optional `!` in front.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Negatable<T> {
    pub negated: bool,
    pub value: T,
}

impl<T> Negatable<T> {
    /// The criterion as is.
    pub fn is(value: T) -> Negatable<T> {
        Negatable { negated: false, value }
    }

    /// The inverted criterion (`! ...`).
    pub fn not(value: T) -> Negatable<T> {
        Negatable { negated: true, value }
    }

    /// The `"! "` prefix iptables prints before an inverted option, or nothing.
    pub fn bang(&self) -> &'static str {
        if self.negated { "! " } else { "" }
    }

    /// Applies the inversion to a test of the value.
    pub fn holds(&self, test: bool) -> bool {
        test != self.negated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inversion_flips_the_test() {
        assert!(Negatable::is(1).holds(true));
        assert!(Negatable::not(1).holds(false));
        assert_eq!(Negatable::not(1).bang(), "! ");
        assert_eq!(Negatable::is(1).bang(), "");
    }
}
