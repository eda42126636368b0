//! `tcpdump -n -i DEV [-e] [-c N]` on a lab host: the packets of the last connection (`curl`
//! or `lab trace`) that crossed that device of this host, printed by
//! [`crate::packet::Capture`] as tcpdump 4.99 prints them.
//!
//! Part of [`crate::shell`]. The lab replays the capture after the fact, as if tcpdump had
//! been running during the connection and was then stopped: the banner (`tcpdump: verbose
//! output suppressed…`, `listening on DEV, link-type …`) and the closing counts go to stderr,
//! the packets to stdout, and a terminal shows them in that order (checked against
//! engine/tests/packet/observed/tcpdump-stderr-banner.txt). tunl0 has no link-layer header
//! (`RAW (Raw IP)`); every other device is Ethernet, loopback included. With `-e` the MAC
//! addresses are those of the two devices the frame went between.

use crate::dataplane::LinkKind;
use crate::packet::tcpdump::{Capture, EthernetAddresses, LinkType, MacAddress};
use crate::trace::{At, Event, Step};

use super::host::Host;
use super::{CommandOutput, Lab};

/// The options the lab understands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Options {
    interface: Option<String>,
    link_header: bool,
    count: Option<u64>,
    absolute_seq: bool,
}

fn usage_error(message: &str) -> CommandOutput {
    CommandOutput::fail(1, format!("tcpdump: {message}"))
}

/// getopt-style parsing of `-n`, `-i DEV`, `-e`, `-c N`, `-S`, `-l` and their clusters
/// (`-ni eth0`, `-nei tunl0`, `-c5`).
fn parse(args: &[String]) -> Result<Options, CommandOutput> {
    let mut options = Options::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if let Some(name) = arg.strip_prefix("--interface=") {
            options.interface = Some(name.to_string());
            continue;
        }
        let Some(cluster) = arg.strip_prefix('-').filter(|cluster| !cluster.is_empty() && !cluster.starts_with('-'))
        else {
            return Err(usage_error(&format!(
                "the lab's tcpdump takes no filter expression (`{arg}`); it shows every packet of the last connection"
            )));
        };
        for (index, flag) in cluster.char_indices() {
            match flag {
                'n' | 'l' => {}
                'e' => options.link_header = true,
                'S' => options.absolute_seq = true,
                'i' | 'c' => {
                    let rest = cluster.get(index.saturating_add(1)..).unwrap_or("");
                    let value = if rest.is_empty() {
                        iter.next().cloned().ok_or_else(|| {
                            usage_error(&format!("option requires an argument -- '{flag}'"))
                        })?
                    } else {
                        rest.to_string()
                    };
                    if flag == 'i' {
                        options.interface = Some(value);
                    } else {
                        let count = value.parse::<u64>().ok().filter(|count| *count > 0);
                        options.count = Some(count.ok_or_else(|| usage_error("invalid packet count"))?);
                    }
                    break;
                }
                other => {
                    return Err(usage_error(&format!(
                        "the lab's tcpdump knows -n, -i DEV, -e, -c N, -S and -l, not -{other}"
                    )));
                }
            }
        }
    }
    Ok(options)
}

/// `tcpdump [-n] -i DEV [-e] [-c N]` on `host`.
pub fn run(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let options = match parse(args) {
        Ok(options) => options,
        Err(error) => return error,
    };
    let Some(net) = lab.net_host(host) else {
        return CommandOutput::fail(1, format!("packetlab: {host} has no network namespace (is it scheduled?)"));
    };
    let Some(interface) = options.interface.clone().or_else(|| {
        // Without -i tcpdump takes the first up, non-loopback device (`pcap_findalldevs`).
        net.links.iter().find(|link| link.up && link.kind != LinkKind::Loopback).map(|link| link.name.clone())
    }) else {
        return usage_error("no suitable device found");
    };
    let Some(link) = net.link(&interface) else {
        return CommandOutput::fail(1, format!("tcpdump: {interface}: No such device exists\n(SIOCGIFHWADDR: No such device)"));
    };
    let link_type = if link.kind == LinkKind::Ipip { LinkType::RawIp } else { LinkType::Ethernet };
    let mut capture = Capture::new(&interface, link_type)
        .with_link_header(options.link_header)
        .with_absolute_seq(options.absolute_seq);
    let host_name = net.name.clone();
    let banner = capture.banner();
    let mut stdout = String::new();
    let mut count = 0u64;
    if let Some(trace) = lab.last_trace() {
        let steps: Vec<&Step> = trace.all_steps().collect();
        for (index, step) in steps.iter().enumerate() {
            if step.host != host_name || step.at != At::Device(interface.clone()) {
                continue;
            }
            let (packet, outgoing) = match &step.event {
                Event::DeviceRx { packet } => (packet, false),
                // libpcap does not see the outgoing copy on loopback.
                Event::DeviceTx { packet } if interface != "lo" => (packet, true),
                _ => continue,
            };
            if options.count.is_some_and(|limit| count >= limit) {
                break;
            }
            let macs = frame_macs(lab, &steps, index, outgoing);
            stdout.push_str(&capture.line_with_macs(step.time, macs, packet));
            stdout.push('\n');
            count = count.saturating_add(1);
        }
    }
    let summary = Capture::summary(count);
    let terminal = format!("{banner}{stdout}{summary}");
    CommandOutput { stdout, stderr: format!("{banner}{summary}"), exit_code: 0, terminal: Some(terminal) }
}

/// The MAC addresses of the frame at `steps[index]`: this device's and the one at the other
/// end of the wire (the next device that received it, or the last one that sent it).
fn frame_macs(lab: &Lab, steps: &[&Step], index: usize, outgoing: bool) -> EthernetAddresses {
    let mac_of = |step: &Step| -> MacAddress {
        let At::Device(dev) = &step.at else {
            return MacAddress::default();
        };
        lab.net()
            .host(&step.host)
            .and_then(|host| host.link(dev))
            .and_then(|link| link.mac)
            .map_or_else(MacAddress::default, |mac| MacAddress(mac.0))
    };
    let Some(here) = steps.get(index) else {
        return EthernetAddresses::default();
    };
    let peer = if outgoing {
        steps.iter().skip(index.saturating_add(1)).find(|step| matches!(step.event, Event::DeviceRx { .. }))
    } else {
        steps.iter().take(index).rev().find(|step| matches!(step.event, Event::DeviceTx { .. }))
    };
    let (local, remote) = (mac_of(here), peer.map_or_else(MacAddress::default, |peer| mac_of(peer)));
    if outgoing {
        EthernetAddresses { src: local, dst: remote }
    } else {
        EthernetAddresses { src: remote, dst: local }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(ToString::to_string).collect()
    }

    #[test]
    fn option_clusters() {
        let options = parse(&args("-ni tunl0")).ok().unwrap_or_default();
        assert_eq!(options.interface.as_deref(), Some("tunl0"));
        let options = parse(&args("-nei eth0 -c5")).ok().unwrap_or_default();
        assert_eq!((options.interface.as_deref(), options.link_header, options.count), (Some("eth0"), true, Some(5)));
        assert!(parse(&args("-ni eth0 port 80")).is_err());
        assert!(parse(&args("-c 0 -i eth0")).is_err());
    }
}
