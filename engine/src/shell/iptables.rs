//! `iptables-save` and `iptables -S/-L` on a lab host, printed by the netfilter renderers
//! from the rules kube-proxy would write on that node.

use super::{CommandOutput, Host, Lab};

/// `iptables-save [-t TABLE]`.
pub fn save(_lab: &mut Lab, _host: &Host, _args: &[String]) -> CommandOutput {
    CommandOutput::fail(1, "packetlab: iptables-save is not wired in yet (waiting for kube-proxy's rules)")
}

/// `iptables [-t TABLE] -S|-L [CHAIN] ...`.
pub fn iptables(_lab: &mut Lab, _host: &Host, _args: &[String]) -> CommandOutput {
    CommandOutput::fail(1, "packetlab: iptables is not wired in yet (waiting for kube-proxy's rules)")
}
