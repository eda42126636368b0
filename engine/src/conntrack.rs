//! Connection tracking: the kernel's memory of flows, which makes NAT stick.
//!
//! Where it sits: the tracer (later) keeps one [`ConntrackTable`] per host. The first packet
//! of a flow creates an [`Entry`]; the nat table's DNAT/SNAT/MASQUERADE decisions are stored
//! in the entry's reply tuple; every later packet, replies included, is classified
//! ([`CtState`], what `-m conntrack --ctstate` matches) and rewritten from the entry without
//! visiting the nat table again (kube-proxy-iptables.md section 11.1). [`render`] prints the
//! table as `conntrack -L` does.

pub mod entry;
pub mod render;
pub mod table;
pub mod tuple;

pub use self::entry::{Direction, Entry, Status, TcpState, Transition};
pub use self::table::{ConfirmError, ConntrackTable, CtInfo, CtState, Filter};
pub use self::tuple::{Tuple, TupleL4};
