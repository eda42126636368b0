//! A reader for kube-proxy's `iptables-restore` input as it appears in `proxier_test.go`
//! goldens, into typed netfilter rules, so upstream text and generated rules compare as values
//! (quoting, `/32`, option order and mark spellings do not matter; every match does).
//!
//! Test support only. It understands exactly the options kube-proxy writes. (To be replaced by
//! the netfilter parser once that lands.)

use std::collections::BTreeMap;

use engine::net::Cidr;
use engine::netfilter::matches::{
    Addrtype, Conntrack, CtStates, Nfacct, Ports, Recent, RecentCommand, Statistic, UnknownMatch,
};
use engine::netfilter::target::{Masquerade, RejectWith};
use engine::netfilter::{ChainName, IpProtocol, MarkMask, Match, Negatable, Probability, Rule, Target};

/// One table of a restore dump: declared chains (in order) and each chain's rules.
#[derive(Debug, Default, PartialEq)]
pub struct RestoreTableText {
    pub declared: Vec<String>,
    pub rules: BTreeMap<String, Vec<Rule>>,
    pub deleted: Vec<String>,
}

/// Splits a line into words, honouring double quotes.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut has_word = false;
    for c in line.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                has_word = true;
            }
            ' ' if !in_quotes => {
                if has_word {
                    out.push(std::mem::take(&mut current));
                    has_word = false;
                }
            }
            _ => {
                current.push(c);
                has_word = true;
            }
        }
    }
    if has_word {
        out.push(current);
    }
    out
}

fn cidr(text: &str) -> Cidr {
    Cidr::parse_lenient(text).unwrap_or_else(|e| panic!("bad address {text}: {e}"))
}

fn number(text: &str) -> u32 {
    if let Some(hex) = text.strip_prefix("0x") {
        u32::from_str_radix(hex, 16).unwrap()
    } else {
        text.parse().unwrap()
    }
}

fn mark_mask(text: &str) -> MarkMask {
    match text.split_once('/') {
        Some((value, mask)) => MarkMask::new(number(value), number(mask)),
        None => MarkMask::new(number(text), u32::MAX),
    }
}

/// Parses the words after `-A CHAIN`.
pub fn parse_rule(args: &[String]) -> Rule {
    let mut rule = Rule::default();
    let mut i = 0;
    let mut negate = false;
    let next = |i: &mut usize| -> String {
        *i += 1;
        args.get(*i).cloned().unwrap_or_else(|| panic!("missing value in {args:?}"))
    };
    while i < args.len() {
        let word = args[i].as_str();
        match word {
            "!" => {
                negate = true;
                i += 1;
                continue;
            }
            "-m" => {
                let module = next(&mut i);
                let matched = match module.as_str() {
                    "comment" => Match::comment(""),
                    "tcp" => Match::Tcp(Ports::default()),
                    "udp" => Match::Udp(Ports::default()),
                    "sctp" => Match::Unknown(UnknownMatch { module: "sctp".into(), args: vec![] }),
                    "addrtype" => Match::Addrtype(Addrtype { source: None, destination: None, limit_iface: None }),
                    "statistic" => Match::Statistic(Statistic::random(Probability::from_kernel(0).unwrap())),
                    "recent" => Match::Recent(Recent::new(RecentCommand::Set, "")),
                    "mark" => Match::Mark(Negatable::is(MarkMask::new(0, 0))),
                    "conntrack" => Match::Conntrack(Conntrack::state(&[])),
                    "nfacct" => Match::Nfacct(Nfacct::new("")),
                    other => panic!("unexpected module {other}"),
                };
                rule.matches.push(matched);
            }
            "-p" => {
                rule.protocol = Some(Negatable { negated: negate, value: IpProtocol::parse(&next(&mut i)).unwrap().unwrap() })
            }
            "-s" => rule.source = Some(Negatable { negated: negate, value: cidr(&next(&mut i)) }),
            "-d" => rule.destination = Some(Negatable { negated: negate, value: cidr(&next(&mut i)) }),
            "-j" => {
                let target = next(&mut i);
                let rest: Vec<String> = args[i + 1..].to_vec();
                rule.target = Some(parse_target(&target, &rest));
                break;
            }
            option => {
                let value_needed = !matches!(option, "--set" | "--rcheck" | "--reap");
                let value = if value_needed { next(&mut i) } else { String::new() };
                let last = rule.matches.last_mut().unwrap_or_else(|| panic!("option {option} before -m"));
                apply_option(last, option, &value, negate);
            }
        }
        negate = false;
        i += 1;
    }
    rule
}

fn apply_option(matched: &mut Match, option: &str, value: &str, negated: bool) {
    match (matched, option) {
        (Match::Comment(comment), "--comment") => comment.0 = value.to_string(),
        (Match::Tcp(ports) | Match::Udp(ports), "--dport") => {
            ports.destination = Some(Negatable { negated, value: engine::netfilter::PortRange::single(value.parse().unwrap()) })
        }
        (Match::Unknown(unknown), "--dport") => unknown.args = vec!["--dport".into(), value.into()],
        (Match::Addrtype(addrtype), "--dst-type") => {
            addrtype.destination = Some(Negatable { negated, value: engine::netfilter::matches::AddrTypes::parse(value).unwrap() })
        }
        (Match::Addrtype(addrtype), "--src-type") => {
            addrtype.source = Some(Negatable { negated, value: engine::netfilter::matches::AddrTypes::parse(value).unwrap() })
        }
        (Match::Statistic(_), "--mode") => assert_eq!(value, "random"),
        (Match::Statistic(statistic), "--probability") => {
            *statistic = Statistic::random(Probability::parse(value).unwrap())
        }
        (Match::Recent(recent), "--name") => recent.name = value.to_string(),
        (Match::Recent(recent), "--set") => recent.command = RecentCommand::Set,
        (Match::Recent(recent), "--rcheck") => recent.command = RecentCommand::Check,
        (Match::Recent(recent), "--seconds") => recent.seconds = value.parse().unwrap(),
        (Match::Recent(recent), "--reap") => recent.reap = true,
        (Match::Mark(mark), "--mark") => *mark = Negatable { negated, value: mark_mask(value) },
        (Match::Conntrack(conntrack), "--ctstate") => {
            conntrack.state = Negatable { negated, value: CtStates::parse(value).unwrap() }
        }
        (Match::Nfacct(nfacct), "--nfacct-name") => nfacct.name = value.to_string(),
        (other, option) => panic!("unexpected option {option} for {other:?}"),
    }
}

fn parse_target(name: &str, rest: &[String]) -> Target {
    let option = |flag: &str| rest.iter().position(|w| w == flag).and_then(|p| rest.get(p + 1)).cloned();
    match name {
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "RETURN" => Target::Return,
        "REJECT" => Target::Reject(RejectWith::PortUnreachable),
        "MASQUERADE" => Target::Masquerade(if rest.iter().any(|w| w == "--random-fully") {
            Masquerade::random_fully()
        } else {
            Masquerade::default()
        }),
        "MARK" => match (option("--or-mark"), option("--xor-mark")) {
            (Some(bits), _) => Target::or_mark(number(&bits)),
            (_, Some(bits)) => Target::xor_mark(number(&bits)),
            _ => panic!("unexpected MARK options {rest:?}"),
        },
        "DNAT" => {
            let to = option("--to-destination").unwrap();
            let (ip, port) = to.split_once(':').unwrap();
            Target::dnat(ip.parse().unwrap(), port.parse().unwrap())
        }
        chain => Target::Jump(ChainName::from_trusted(chain)),
    }
}

/// Parses a restore dump into tables by name.
pub fn parse_restore(text: &str) -> BTreeMap<String, RestoreTableText> {
    let mut tables: BTreeMap<String, RestoreTableText> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if let Some(name) = line.strip_prefix('*') {
            current = Some(name.to_string());
            tables.entry(name.to_string()).or_default();
            continue;
        }
        if line == "COMMIT" {
            current = None;
            continue;
        }
        let table = tables.get_mut(current.as_deref().expect("line outside a table")).unwrap();
        if let Some(declaration) = line.strip_prefix(':') {
            table.declared.push(declaration.split(' ').next().unwrap().to_string());
            continue;
        }
        let ws = words(line);
        match ws.first().map(String::as_str) {
            Some("-A") => {
                let chain = ws[1].clone();
                table.rules.entry(chain).or_default().push(parse_rule(&ws[2..]));
            }
            Some("-X") => table.deleted.push(ws[1].clone()),
            _ => panic!("unexpected line {line}"),
        }
    }
    tables
}
