//! Typed netfilter rules that print exactly as `iptables-save` and parse back.
//!
//! Pipeline position: `kubeproxy::generate` (and later Calico) build a [`Ruleset`] per node;
//! this module renders it as `iptables-save`, `iptables -S` and `iptables -L` text, parses
//! `iptables-save` and `iptables-restore` input back into the same values, and checks that every
//! jump lands on a chain. Rules are values (enums and newtypes, never strings) so that a later
//! stage can evaluate them against packets.
//!
//! ```
//! use engine::netfilter::{ChainName, Rule, Ruleset, SaveOptions, Table, Target, parse, save};
//!
//! // kube-proxy's KUBE-MARK-MASQ chain, built as values ...
//! let mut ruleset = Ruleset::new();
//! let chain = ChainName::new("KUBE-MARK-MASQ").unwrap();
//! ruleset.append(Table::Nat, &chain, Rule::jump(Target::or_mark(0x4000)));
//! let text = save(&ruleset, &SaveOptions::new("Thu Nov 26 16:20:01 2026"));
//! // ... prints as `iptables-save` does (`--or-mark` is stored as `--set-xmark`) ...
//! assert!(text.contains("\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"));
//! // ... and reads back to the same values.
//! assert_eq!(parse(&text).ruleset, ruleset);
//! ```

pub mod chain;
pub mod chain_name;
pub mod check;
pub mod counters;
pub mod hook;
pub mod interface;
pub mod ip_protocol;
pub mod list;
pub mod mark;
pub mod matches;
pub mod negatable;
pub mod parse;
pub mod policy;
pub mod port_range;
pub mod probability;
pub mod quote;
pub mod rule;
pub mod ruleset;
pub mod save;
pub mod spec;
pub mod table;
pub mod target;

pub use chain::Chain;
pub use chain_name::{ChainName, ChainNameError};
pub use counters::Counters;
pub use hook::Hook;
pub use interface::Interface;
pub use ip_protocol::IpProtocol;
pub use mark::MarkMask;
pub use matches::Match;
pub use negatable::Negatable;
pub use parse::{ParseError, ParseErrorKind, Parsed, RestoreOptions, parse, parse_spec, restore};
pub use policy::Policy;
pub use port_range::PortRange;
pub use probability::Probability;
pub use rule::Rule;
pub use ruleset::{Ruleset, TableRules};
pub use save::{SaveOptions, save, save_table};
pub use table::Table;
pub use target::Target;
