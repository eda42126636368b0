//! `-m comment --comment TEXT`: a note on a rule that matches every packet.
//!
//! Part of the netfilter matches. libxt_comment.c saves the text with `xtables_save_string`
//! (quoted unless it is only `[A-Za-z0-9_-]`); the kernel keeps at most 255 bytes
//! (`XT_MAX_COMMENT_LEN` 256 with the NUL).

use std::fmt;

use crate::netfilter::quote::save_string;

/// The longest comment iptables accepts, in bytes.
pub const MAX_COMMENT_LEN: usize = 255;

/// A rule comment such as `"ns1/svc1:p80 cluster IP"` or Calico's `cali:6gwbT8clXdHdC1b1`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Comment(pub String);

impl Comment {
    pub fn new(text: impl Into<String>) -> Comment {
        Comment(text.into())
    }

    pub fn text(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Comment {
    /// `-m comment --comment "TEXT"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-m comment --comment {}", save_string(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(
            Comment::new("ns1/svc1:p80 cluster IP").to_string(),
            r#"-m comment --comment "ns1/svc1:p80 cluster IP""#
        );
        assert_eq!(Comment::new("ns1/svc1:p80").to_string(), r#"-m comment --comment "ns1/svc1:p80""#);
        assert_eq!(Comment::new("plain_word-1").to_string(), "-m comment --comment plain_word-1");
    }
}
