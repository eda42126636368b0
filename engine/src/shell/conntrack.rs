//! `conntrack -L` on a lab host: the host's connection tracking table in the lab's session,
//! as conntrack-tools 1.4.7 prints it (`conntrack::render`), with its filter options.
//!
//! Part of [`crate::shell`]. The table is the one the tracer filled while `curl` and
//! `lab trace` ran; each network namespace (a node, a pod, the outside client) has its own.
//! Options as conntrack(8) spells them: `-L`/`--dump`, `-p`/`--proto`, `-s`/`--orig-src`,
//! `-d`/`--orig-dst`, `-r`/`--reply-src`, `-q`/`--reply-dst`, `--dport`/`--orig-port-dst`.

use std::net::Ipv4Addr;

use crate::conntrack::render::{self, CONNTRACK_TOOLS_VERSION};
use crate::conntrack::{ConntrackTable, Filter};
use crate::packet::IpProtocol;

use super::host::Host;
use super::{CommandOutput, Lab};

/// conntrack's `exit_error(PARAMETER_PROBLEM, ...)`: the message, the hint, status 2.
fn parameter_problem(message: &str) -> CommandOutput {
    CommandOutput::fail(
        2,
        format!(
            "conntrack v{CONNTRACK_TOOLS_VERSION} (conntrack-tools): {message}\nTry `conntrack -h' or 'conntrack --help' for more information."
        ),
    )
}

/// `conntrack -L [FILTER...]`.
pub fn run(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let mut list = false;
    let mut filter = Filter::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (option, inline) = match arg.split_once('=') {
            Some((option, value)) if option.starts_with("--") => (option, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        if matches!(option, "-L" | "--dump") {
            list = true;
            continue;
        }
        if !matches!(
            option,
            "-p" | "--proto"
                | "--protonum"
                | "-s"
                | "--src"
                | "--orig-src"
                | "-d"
                | "--dst"
                | "--orig-dst"
                | "-r"
                | "--reply-src"
                | "-q"
                | "--reply-dst"
                | "--dport"
                | "--orig-port-dst"
        ) {
            return parameter_problem(&format!("unknown option `{arg}'"));
        }
        let Some(value) = inline.or_else(|| iter.next().cloned()) else {
            return parameter_problem(&format!("option `{option}' requires an argument"));
        };
        let address = || value.parse::<Ipv4Addr>().map_err(|_| parameter_problem(&format!("Bad parameter `{value}'")));
        let result = match option {
            "-p" | "--proto" | "--protonum" => {
                let protocol = match value.to_ascii_lowercase().as_str() {
                    "tcp" | "6" => Some(IpProtocol::Tcp),
                    "udp" | "17" => Some(IpProtocol::Udp),
                    "icmp" | "1" => Some(IpProtocol::Icmp),
                    _ => None,
                };
                match protocol {
                    Some(protocol) => {
                        filter.protocol = Some(protocol);
                        Ok(())
                    }
                    None => Err(parameter_problem(&format!("proto `{value}' not found"))),
                }
            }
            "-s" | "--src" | "--orig-src" => address().map(|a| filter.orig_src = Some(a)),
            "-d" | "--dst" | "--orig-dst" => address().map(|a| filter.orig_dst = Some(a)),
            "-r" | "--reply-src" => address().map(|a| filter.reply_src = Some(a)),
            "-q" | "--reply-dst" => address().map(|a| filter.reply_dst = Some(a)),
            _ => match value.parse::<u16>() {
                Ok(port) => {
                    filter.orig_dst_port = Some(port);
                    Ok(())
                }
                Err(_) => Err(parameter_problem(&format!("invalid port `{value}'"))),
            },
        };
        if let Err(error) = result {
            return error;
        }
    }
    if !list {
        return parameter_problem("no command specified");
    }
    if filter.orig_dst_port.is_some() && filter.protocol.is_none() {
        return parameter_problem("missing protocol, use -p");
    }
    let name = lab.net_host_name(host);
    let empty = ConntrackTable::new();
    let session = lab.session();
    let table = session.conntrack(&name).unwrap_or(&empty);
    let now = session.now;
    let mut stdout = String::new();
    let mut shown = 0usize;
    for entry in table.entries().filter(|entry| filter.matches(entry) && !entry.expired(now)) {
        stdout.push_str(&render::entry_line(entry, now));
        stdout.push('\n');
        shown = shown.saturating_add(1);
    }
    CommandOutput { stdout, stderr: render::summary(shown, "shown"), exit_code: 0, terminal: None }
}
