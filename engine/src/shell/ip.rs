//! `ip addr`, `ip link`, `ip route [get]` and `ip neigh` on a lab host: iproute2's command
//! line, printed by the dataplane renderers (`dataplane::render`) from the host the tracer
//! routes through.
//!
//! Part of [`crate::shell`]. Object names are matched by prefix as iproute2's `matches()`
//! does (`ip a`, `ip r`, `ip ro g`), with its special short forms (`a` = address, `r` =
//! route, `n` = neigh, `l` = link). Errors are iproute2's messages and exit statuses.

use std::net::Ipv4Addr;

use crate::dataplane::render::{self, LinkFilter};
use crate::dataplane::{Host as NetHost, TableId};

use super::host::Host;
use super::{CommandOutput, Lab};

/// iproute2's `matches(cmd, pattern)`: `cmd` is a non-empty prefix of `pattern`.
fn matches(word: &str, pattern: &str) -> bool {
    !word.is_empty() && pattern.starts_with(word)
}

/// The objects `ip` knows, in the order `do_cmd` tries them (so `l` is `link`, `n` is `neigh`
/// and `r` is `route`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Object {
    Address,
    Link,
    Neigh,
    Route,
}

fn object(word: &str) -> Option<Object> {
    // `do_cmd` walks its table in order: address, addrlabel, maddress, route, rule, neighbor,
    // ntable, link, ...; the first prefix match wins ("a" = address, "l" = link).
    if matches(word, "address") {
        return Some(Object::Address);
    }
    if matches(word, "route") {
        return Some(Object::Route);
    }
    if matches(word, "neighbor") || matches(word, "neighbour") {
        return Some(Object::Neigh);
    }
    if matches(word, "link") {
        return Some(Object::Link);
    }
    None
}

/// `ip [-4] [-br] OBJECT [COMMAND [ARGS]]`.
pub fn run(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let mut filter = LinkFilter::default();
    let mut rest = args;
    while let Some((first, tail)) = rest.split_first() {
        match first.as_str() {
            "-4" => filter.inet_only = true,
            "-br" | "-brief" => filter.brief = true,
            option if option.starts_with('-') => {
                return CommandOutput::fail(
                    255,
                    format!("Option \"{option}\" is unknown, try \"ip -help\"."),
                );
            }
            _ => break,
        }
        rest = tail;
    }
    let Some((word, rest)) = rest.split_first() else {
        return CommandOutput::fail(255, usage());
    };
    let Some(net) = lab.net_host(host) else {
        return CommandOutput::fail(1, format!("packetlab: {host} has no network namespace (is it scheduled?)"));
    };
    match object(word) {
        Some(Object::Address) => addr(net, filter, rest),
        Some(Object::Link) => link(net, filter, rest),
        Some(Object::Route) => route(net, rest),
        Some(Object::Neigh) => neigh(net, rest),
        None => CommandOutput::fail(255, format!("Object \"{word}\" is unknown, try \"ip help\".")),
    }
}

fn usage() -> String {
    "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n\
     where  OBJECT := { address | link | neighbour | route }\n\
     (the lab's ip knows these objects)"
        .to_string()
}

/// `show [dev] NAME` (and `list`/`lst`), as `ipaddr_list_flush_or_save` reads it. Returns the
/// device, or the command line's error.
fn show_dev(args: &[String]) -> Result<Option<String>, CommandOutput> {
    let mut args = args;
    if let Some((first, tail)) = args.split_first()
        && (matches(first, "show") || matches(first, "list") || first == "lst")
    {
        args = tail;
    }
    let mut dev = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let name = if arg == "dev" {
            match iter.next() {
                Some(name) => name,
                None => return Err(CommandOutput::fail(255, "Command line is not complete. Try option \"help\"")),
            }
        } else {
            arg
        };
        if dev.is_some() {
            return Err(CommandOutput::fail(255, format!("Error: either \"dev\" is duplicate, or \"{name}\" is a garbage.")));
        }
        dev = Some(name.clone());
    }
    Ok(dev)
}

fn addr(host: &NetHost, mut filter: LinkFilter, args: &[String]) -> CommandOutput {
    if let Some(first) = args.first()
        && !(matches(first, "show") || matches(first, "list") || first == "lst" || first == "dev")
        && args.len() > 1
    {
        return CommandOutput::fail(255, format!("Command \"{first}\" is unknown, try \"ip address help\"."));
    }
    filter.dev = match show_dev(args) {
        Ok(dev) => dev,
        Err(error) => return error,
    };
    match render::ip_addr_filtered(host, &filter) {
        Ok(text) => CommandOutput::ok(text),
        Err(error) => CommandOutput::fail(1, error),
    }
}

fn link(host: &NetHost, mut filter: LinkFilter, args: &[String]) -> CommandOutput {
    if let Some(first) = args.first()
        && !(matches(first, "show") || matches(first, "list") || first == "lst" || first == "dev")
        && args.len() > 1
    {
        return CommandOutput::fail(255, format!("Command \"{first}\" is unknown, try \"ip link help\"."));
    }
    filter.dev = match show_dev(args) {
        Ok(dev) => dev,
        Err(error) => return error,
    };
    match render::ip_link_filtered(host, &filter) {
        Ok(text) => CommandOutput::ok(text),
        Err(error) => CommandOutput::fail(1, error),
    }
}

fn route(host: &NetHost, args: &[String]) -> CommandOutput {
    let mut args = args;
    if let Some((first, tail)) = args.split_first() {
        if matches(first, "get") {
            return route_get(host, tail);
        }
        if matches(first, "show") || matches(first, "list") || first == "lst" {
            args = tail;
        } else if !matches!(first.as_str(), "table" | "dev") {
            return CommandOutput::fail(255, format!("Command \"{first}\" is unknown, try \"ip route help\"."));
        }
    }
    let mut table = TableId::Main;
    let mut dev = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "table" => match iter.next().map(String::as_str) {
                Some("main") => table = TableId::Main,
                Some("local") => table = TableId::Local,
                Some(other) => {
                    return CommandOutput::fail(1, format!("Error: argument \"{other}\" is wrong: table id value is invalid"));
                }
                None => return CommandOutput::fail(255, "Command line is not complete. Try option \"help\""),
            },
            "dev" | "oif" => match iter.next() {
                Some(name) => dev = Some(name.clone()),
                None => return CommandOutput::fail(255, "Command line is not complete. Try option \"help\""),
            },
            other => {
                return CommandOutput::fail(1, format!("Error: inet prefix is expected rather than \"{other}\"."));
            }
        }
    }
    match dev {
        None => CommandOutput::ok(render::ip_route(host, table)),
        Some(dev) => match render::ip_route_dev(host, table, &dev) {
            Ok(text) => CommandOutput::ok(text),
            Err(error) => CommandOutput::fail(1, error),
        },
    }
}

fn route_get(host: &NetHost, args: &[String]) -> CommandOutput {
    let mut address = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let word = if matches!(arg.as_str(), "to") { iter.next() } else { Some(arg) };
        let Some(word) = word else {
            return CommandOutput::fail(255, "Command line is not complete. Try option \"help\"");
        };
        match word.parse::<Ipv4Addr>() {
            Ok(parsed) if address.is_none() => address = Some(parsed),
            Ok(_) => return CommandOutput::fail(255, format!("Error: either \"to\" is duplicate, or \"{word}\" is a garbage.")),
            Err(_) => return CommandOutput::fail(1, format!("Error: any valid prefix is expected rather than \"{word}\".")),
        }
    }
    let Some(address) = address else {
        return CommandOutput::fail(255, "need at least a destination address");
    };
    match render::ip_route_get(host, address) {
        Ok(text) => CommandOutput::ok(text),
        Err(error) => CommandOutput::fail(2, error),
    }
}

fn neigh(host: &NetHost, args: &[String]) -> CommandOutput {
    match args.first() {
        None => CommandOutput::ok(render::ip_neigh(host)),
        Some(first) if matches(first, "show") || matches(first, "list") || first == "lst" => {
            CommandOutput::ok(render::ip_neigh(host))
        }
        Some(first) => CommandOutput::fail(255, format!("Command \"{first}\" is unknown, try \"ip neigh help\".")),
    }
}

#[cfg(test)]
mod tests {
    use super::{Object, object};

    #[test]
    fn iproute2_prefixes() {
        assert_eq!(object("a"), Some(Object::Address));
        assert_eq!(object("addr"), Some(Object::Address));
        assert_eq!(object("r"), Some(Object::Route));
        assert_eq!(object("ro"), Some(Object::Route));
        assert_eq!(object("n"), Some(Object::Neigh));
        assert_eq!(object("neighbour"), Some(Object::Neigh));
        assert_eq!(object("l"), Some(Object::Link));
        assert_eq!(object("x"), None);
        assert_eq!(object(""), None);
    }
}
