//! Reading the words of one rule (`-s ... -m tcp --dport 80 -j DNAT ...`) into a typed [`Rule`].
//!
//! Part of parsing. Both spellings arrive here: `iptables-save` output and kube-proxy's restore
//! input (`-m tcp -p tcp -d 172.30.0.41 --dport 80`, unquoted comments, `--or-mark 0x00004000`).
//! Options are routed as `command_default` in iptables/xshared.c routes them: the target
//! first, then the loaded matches in order (a module loaded again closes its earlier
//! instance), then the protocol's own match loaded implicitly (`-p tcp --dport 80`). What no
//! one claims goes to a target or module the lab does not model, kept verbatim; a protocol
//! option that went there before `-p` is refused ([`ParseErrorKind::BeforeProtocol`]), since
//! the saved text, `-p` first, would route it to the protocol's match.

use std::net::Ipv4Addr;

use crate::net::Cidr;

use super::error::ParseErrorKind;
use super::options::{
    KNOWN_TARGETS, is_bare_word, is_known_module, is_module_name, looks_like_extension, match_option_arity,
    target_option_arity,
};
use super::words::Word;
use crate::netfilter::chain_name::ChainName;
use crate::netfilter::counters::Counters;
use crate::netfilter::interface::Interface;
use crate::netfilter::ip_protocol::IpProtocol;
use crate::netfilter::mark::{MarkMask, parse_u32};
use crate::netfilter::matches::{
    AddrTypes, Addrtype, Comment, Conntrack, CtStates, LimitIface, Match, Multiport, MultiportSide, Nfacct, Ports,
    Recent, RecentCommand, RecentSide, Rpfilter, SetMatch, Statistic, StatisticMode, UnknownMatch,
};
use crate::netfilter::negatable::Negatable;
use crate::netfilter::port_range::PortRange;
use crate::netfilter::probability::Probability;
use crate::netfilter::rule::Rule;
use crate::netfilter::target::log::Log;
use crate::netfilter::target::nat::parse_dash_range;
use crate::netfilter::target::{Masquerade, Nat, NatRange, RejectWith, Target};

/// An error at a column.
pub type Located = (usize, ParseErrorKind);

/// The outcome for one rule: the rule if it could be built, and every problem found.
#[derive(Debug, Default)]
pub struct RuleOutcome {
    pub rule: Option<Rule>,
    pub errors: Vec<Located>,
}

/// One option with its values, as given.
#[derive(Clone, Debug)]
struct Opt {
    negated: bool,
    name: String,
    values: Vec<String>,
    column: usize,
}

impl Opt {
    fn value(&self) -> &str {
        self.values.first().map_or("", String::as_str)
    }

    fn bad(&self, reason: impl Into<String>) -> Located {
        (
            self.column,
            ParseErrorKind::BadValue { option: self.name.clone(), value: self.values.join(" "), reason: reason.into() },
        )
    }

    fn cannot_invert(&self) -> Located {
        (self.column, ParseErrorKind::CannotInvert { option: self.name.clone() })
    }

    /// The words to print again for an unknown module (`! --opt v`).
    fn words(&self) -> Vec<String> {
        let mut words = Vec::new();
        if self.negated {
            words.push("!".to_string());
        }
        words.push(self.name.clone());
        words.extend(self.values.iter().cloned());
        words
    }
}

#[derive(Debug)]
struct PendingMatch {
    module: String,
    column: usize,
    options: Vec<Opt>,
    completed: bool,
}

#[derive(Debug)]
struct PendingTarget {
    name: String,
    goto: bool,
    column: usize,
    options: Vec<Opt>,
}

/// Parses the words after `-A CHAIN`. `is_chain` says whether a name is a chain of the table.
pub fn parse_rule(words: &[Word], is_chain: &dyn Fn(&str) -> bool) -> RuleOutcome {
    let mut outcome = RuleOutcome::default();
    match read(words) {
        Ok((mut rule, matches, target)) => {
            for pending in &matches {
                match build_match(pending) {
                    Ok(matched) => rule.matches.push(matched),
                    Err(error) => outcome.errors.push(error),
                }
            }
            if let Some(pending) = target {
                match build_target(&pending, is_chain) {
                    Ok((target, warning)) => {
                        rule.target = Some(target);
                        outcome.errors.extend(warning);
                    }
                    Err(error) => outcome.errors.push(error),
                }
            }
            if outcome.errors.iter().all(|(_, kind)| matches!(kind, ParseErrorKind::NoSuchTarget { .. })) {
                outcome.rule = Some(rule);
            }
        }
        Err(error) => outcome.errors.push(error),
    }
    outcome
}

type Read = (Rule, Vec<PendingMatch>, Option<PendingTarget>);

/// First pass: base criteria, and options grouped by the match or target they belong to.
fn read(words: &[Word]) -> Result<Read, Located> {
    let mut rule = Rule::default();
    let mut matches: Vec<PendingMatch> = Vec::new();
    let mut target: Option<PendingTarget> = None;
    let mut negated: Option<usize> = None;
    // Options a module or target the lab does not model took while no `-p` had been read yet.
    let mut leftovers: Vec<(usize, String)> = Vec::new();
    let mut index = 0;
    while let Some(word) = words.get(index) {
        index = index.saturating_add(1);
        let text = word.text.as_str();
        if text == "!" {
            if negated.is_some() {
                return Err((word.column, ParseErrorKind::Repeated { option: "!".to_string() }));
            }
            negated = Some(word.column);
            continue;
        }
        let invert = negated.take().is_some();
        // The next `count` words, borrowed (no String per value).
        let mut take = |count: usize| -> Result<&[Word], Located> {
            let values = words
                .get(index..index.saturating_add(count))
                .ok_or_else(|| (word.column, ParseErrorKind::MissingValue { option: text.to_string() }))?;
            index = index.saturating_add(count);
            Ok(values)
        };
        match text {
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let value = first_text(take(1)?);
                let cidr = parse_address(value).map_err(|reason| bad(word, value, reason))?;
                let field = if text.starts_with("-s") || text.starts_with("--s") {
                    &mut rule.source
                } else {
                    &mut rule.destination
                };
                set_once(field, Negatable { negated: invert, value: cidr }, word)?;
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let value = first_text(take(1)?);
                let interface = Interface::new(value.to_string()).ok_or_else(|| {
                    bad(word, value, "an interface name has 1 to 15 characters, optionally ending in `+`")
                })?;
                let field = if text.starts_with("-i") || text.starts_with("--i") {
                    &mut rule.in_interface
                } else {
                    &mut rule.out_interface
                };
                set_once(field, Negatable { negated: invert, value: interface }, word)?;
            }
            "-p" | "--protocol" => {
                let value = first_text(take(1)?);
                let protocol = IpProtocol::parse(value).map_err(|reason| bad(word, value, reason))?;
                if let Some(protocol) = protocol {
                    set_once(&mut rule.protocol, Negatable { negated: invert, value: protocol }, word)?;
                } else if invert {
                    return Err((word.column, ParseErrorKind::CannotInvert { option: "-p all".to_string() }));
                }
            }
            "-m" | "--match" => {
                if invert {
                    return Err((word.column, ParseErrorKind::CannotInvert { option: text.to_string() }));
                }
                let module = first_text(take(1)?).to_string();
                if !is_module_name(&module) {
                    return Err(bad(word, &module, "a match module is a name such as `conntrack`"));
                }
                for earlier in matches.iter_mut().filter(|earlier| earlier.module == module) {
                    earlier.completed = true;
                }
                matches.push(PendingMatch { module, column: word.column, options: Vec::new(), completed: false });
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                if invert {
                    return Err((word.column, ParseErrorKind::CannotInvert { option: text.to_string() }));
                }
                if target.is_some() {
                    return Err((word.column, ParseErrorKind::Repeated { option: "-j/-g".to_string() }));
                }
                let name = first_text(take(1)?).to_string();
                target = Some(PendingTarget {
                    name,
                    goto: text.starts_with("-g") || text.starts_with("--g"),
                    column: word.column,
                    options: Vec::new(),
                });
            }
            "-c" | "--set-counters" => {
                let values: Vec<&str> = take(2)?.iter().map(|value| value.text.as_str()).collect();
                let numbers: Option<Vec<u64>> = values.iter().map(|value| value.parse().ok()).collect();
                rule.counters = match numbers.as_deref() {
                    Some([packets, bytes]) => Counters { packets: *packets, bytes: *bytes },
                    _ => return Err(bad(word, &values.join(" "), "counters are two whole numbers")),
                };
            }
            "-f" | "--fragment" => {
                return Err((word.column, ParseErrorKind::NotSupported { what: "`-f` (fragments)".to_string() }));
            }
            _ if text.starts_with('-') && text.len() > 1 => {
                let routed =
                    route_option(text, invert, word.column, words, &mut index, &mut rule, &mut matches, &mut target)?;
                if routed == Routed::Leftover && rule.protocol.is_none() {
                    leftovers.push((word.column, text.to_string()));
                }
            }
            _ => {
                return Err((
                    word.column,
                    ParseErrorKind::BadValue {
                        option: "(rule)".to_string(),
                        value: text.to_string(),
                        reason: "a word here should be an option starting with `-`".to_string(),
                    },
                ));
            }
        }
    }
    if let Some(column) = negated {
        return Err((column, ParseErrorKind::CannotInvert { option: "the end of the line".to_string() }));
    }
    // A protocol option (`--dport`) taken by an unmodelled module or target before `-p tcp`:
    // `iptables-save` prints `-p` before every match, so the saved text would hand it to the tcp
    // match instead, and the text would not read back to this rule. iptables itself loads that
    // match only once `-p` has been read (`load_proto` in `command_default`) and refuses the
    // option; so does the lab, the same way on every read.
    if let Some(module) = rule.protocol.as_ref().and_then(|protocol| implicit_module(protocol.value.number()))
        && let Some((column, option)) =
            leftovers.into_iter().find(|(_, option)| match_option_arity(module, option).is_some())
    {
        return Err((column, ParseErrorKind::BeforeProtocol { option, protocol: module.to_string() }));
    }
    Ok((rule, matches, target))
}

/// The match `-p` loads implicitly for its options (`load_proto`): `tcp` and `udp` here.
fn implicit_module(protocol: u8) -> Option<&'static str> {
    match protocol {
        6 => Some("tcp"),
        17 => Some("udp"),
        _ => None,
    }
}

/// Who took an option: a match or target that knows it, or one the lab does not model, which
/// takes whatever no one else claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Routed {
    Known,
    Leftover,
}

/// Gives a `--option` to the target or to a match, taking its values.
/// The text of the first of `values` (empty if there is none).
fn first_text(values: &[Word]) -> &str {
    values.first().map_or("", |value| value.text.as_str())
}

#[allow(clippy::too_many_arguments)]
fn route_option(
    name: &str,
    negated: bool,
    column: usize,
    words: &[Word],
    index: &mut usize,
    rule: &mut Rule,
    matches: &mut Vec<PendingMatch>,
    target: &mut Option<PendingTarget>,
) -> Result<Routed, Located> {
    let mut take = |count: Option<usize>| -> Result<Vec<String>, Located> {
        let values: Vec<String> = match count {
            Some(count) => words.iter().skip(*index).take(count).map(|word| word.text.clone()).collect(),
            None => words
                .iter()
                .skip(*index)
                .take_while(|word| !(word.text.starts_with('-') && word.text.len() > 1) && word.text != "!")
                .map(|word| word.text.clone())
                .collect(),
        };
        if let Some(count) = count
            && values.len() < count
        {
            return Err((column, ParseErrorKind::MissingValue { option: name.to_string() }));
        }
        *index = index.saturating_add(values.len());
        Ok(values)
    };
    let make = |values: Vec<String>| Opt { negated, name: name.to_string(), values, column };
    // 1. The target, if it knows the option.
    if let Some(pending) = target.as_mut()
        && let Some(arity) = target_option_arity(&pending.name, name)
    {
        pending.options.push(make(take(Some(arity))?));
        return Ok(Routed::Known);
    }
    // 2. The loaded matches in order.
    if let Some(pending) =
        matches.iter_mut().find(|pending| !pending.completed && match_option_arity(&pending.module, name).is_some())
    {
        let arity = match_option_arity(&pending.module, name);
        pending.options.push(make(take(arity)?));
        return Ok(Routed::Known);
    }
    // 3. The protocol's match, loaded implicitly (`load_proto`).
    if let Some(protocol) = &rule.protocol
        && let Some(module) = implicit_module(protocol.value.number())
        && let Some(arity) = match_option_arity(module, name)
    {
        for earlier in matches.iter_mut().filter(|earlier| earlier.module == module) {
            earlier.completed = true;
        }
        let option = make(take(Some(arity))?);
        matches.push(PendingMatch { module: module.to_string(), column, options: vec![option], completed: false });
        return Ok(Routed::Known);
    }
    // 4. A target the lab does not model takes what no modelled match claims.
    if let Some(pending) = target.as_mut()
        && !KNOWN_TARGETS.contains(&pending.name.as_str())
    {
        pending.options.push(make(take(None)?));
        return Ok(Routed::Leftover);
    }
    // 5. The most recent match module the lab does not model.
    if let Some(pending) = matches.iter_mut().rev().find(|pending| !is_known_module(&pending.module)) {
        pending.options.push(make(take(None)?));
        return Ok(Routed::Leftover);
    }
    Err((column, ParseErrorKind::UnknownOption { option: name.to_string() }))
}

fn bad(word: &Word, value: &str, reason: impl Into<String>) -> Located {
    (
        word.column,
        ParseErrorKind::BadValue { option: word.text.clone(), value: value.to_string(), reason: reason.into() },
    )
}

fn set_once<T>(field: &mut Option<T>, value: T, word: &Word) -> Result<(), Located> {
    if field.is_some() {
        return Err((word.column, ParseErrorKind::Repeated { option: word.text.clone() }));
    }
    *field = Some(value);
    Ok(())
}

/// `-s`/`-d`: `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d/m.m.m.m` (host bits cleared, as iptables does).
fn parse_address(text: &str) -> Result<Cidr, String> {
    if text.contains(',') {
        return Err(
            "several addresses in one option make iptables write one rule per address; the lab reads one".to_string()
        );
    }
    if let Some((address, mask)) = text.split_once('/')
        && mask.contains('.')
    {
        let mask: Ipv4Addr = mask.parse().map_err(|_| format!("`{mask}` is not a netmask"))?;
        let bits = u32::from(mask);
        let prefix_len = bits.leading_ones();
        if bits.checked_shl(prefix_len).unwrap_or(0) != 0 {
            return Err(format!("`{mask}` is not a contiguous netmask"));
        }
        let address: Ipv4Addr = address.parse().map_err(|_| format!("`{address}` is not an IPv4 address"))?;
        let prefix_len = u8::try_from(prefix_len).unwrap_or(32);
        return Cidr::new(address, prefix_len).ok_or_else(|| "the prefix is longer than 32 bits".to_string());
    }
    Cidr::parse_lenient(text).map_err(|error| error.to_string())
}

/// Turns a module's options into a typed match, or keeps it verbatim if the lab does not model
/// the module or one of the options given.
fn build_match(pending: &PendingMatch) -> Result<Match, Located> {
    let typed = match pending.module.as_str() {
        "comment" => comment(pending)?,
        "tcp" => ports(pending)?.map(Match::Tcp),
        "udp" => ports(pending)?.map(Match::Udp),
        "addrtype" => addrtype(pending)?.map(Match::Addrtype),
        "statistic" => statistic(pending)?.map(Match::Statistic),
        "mark" => mark(pending)?,
        "conntrack" => conntrack(pending)?,
        "recent" => recent(pending)?.map(Match::Recent),
        "nfacct" => nfacct(pending)?,
        "set" => set(pending)?,
        "multiport" => multiport(pending)?,
        "rpfilter" => rpfilter(pending)?.map(Match::Rpfilter),
        _ => None,
    };
    Ok(typed.unwrap_or_else(|| {
        Match::Unknown(UnknownMatch {
            module: pending.module.clone(),
            args: pending.options.iter().flat_map(Opt::words).collect(),
        })
    }))
}

type Built<T> = Result<Option<T>, Located>;

fn missing(pending: &PendingMatch, option: &str) -> Located {
    (pending.column, ParseErrorKind::MissingValue { option: format!("-m {} {option}", pending.module) })
}

/// Fails if an option appears twice.
fn no_repeats(options: &[Opt]) -> Result<(), Located> {
    for (index, option) in options.iter().enumerate() {
        if options.iter().take(index).any(|earlier| earlier.name == option.name) {
            return Err((option.column, ParseErrorKind::Repeated { option: option.name.clone() }));
        }
    }
    Ok(())
}

fn comment(pending: &PendingMatch) -> Built<Match> {
    no_repeats(&pending.options)?;
    let [option] = pending.options.as_slice() else {
        return Err(missing(pending, "--comment"));
    };
    if option.negated {
        return Err(option.cannot_invert());
    }
    if option.value().len() > crate::netfilter::matches::comment::MAX_COMMENT_LEN {
        return Err(option.bad("a comment has at most 255 bytes"));
    }
    Ok(Some(Match::Comment(Comment::new(option.value()))))
}

fn ports(pending: &PendingMatch) -> Built<Ports> {
    no_repeats(&pending.options)?;
    let mut ports = Ports::default();
    for option in &pending.options {
        let field = match option.name.as_str() {
            "--sport" | "--source-port" => &mut ports.source,
            "--dport" | "--destination-port" => &mut ports.destination,
            _ => return Ok(None),
        };
        if field.is_some() {
            return Err((option.column, ParseErrorKind::Repeated { option: option.name.clone() }));
        }
        let range = PortRange::parse(option.value())
            .ok_or_else(|| option.bad("a port is a number from 0 to 65535, or FIRST:LAST"))?;
        *field = Some(Negatable { negated: option.negated, value: range });
    }
    Ok(Some(ports))
}

fn addrtype(pending: &PendingMatch) -> Built<Addrtype> {
    no_repeats(&pending.options)?;
    let mut addrtype = Addrtype::default();
    for option in &pending.options {
        match option.name.as_str() {
            "--src-type" | "--dst-type" => {
                let types = AddrTypes::parse(option.value()).ok_or_else(|| {
                    option.bad("address types are names such as LOCAL, UNICAST or BROADCAST, joined with commas")
                })?;
                let value = Some(Negatable { negated: option.negated, value: types });
                if option.name == "--src-type" { addrtype.source = value } else { addrtype.destination = value }
            }
            "--limit-iface-in" | "--limit-iface-out" => {
                if option.negated {
                    return Err(option.cannot_invert());
                }
                if addrtype.limit_iface.is_some() {
                    return Err(option.bad("`--limit-iface-in` and `--limit-iface-out` cannot both be given"));
                }
                addrtype.limit_iface =
                    Some(if option.name == "--limit-iface-in" { LimitIface::In } else { LimitIface::Out });
            }
            _ => return Ok(None),
        }
    }
    if addrtype.source.is_none() && addrtype.destination.is_none() {
        return Err(missing(pending, "--src-type or --dst-type"));
    }
    Ok(Some(addrtype))
}

fn statistic(pending: &PendingMatch) -> Built<Statistic> {
    no_repeats(&pending.options)?;
    let find = |name: &str| pending.options.iter().find(|option| option.name == name);
    let mode = find("--mode").ok_or_else(|| missing(pending, "--mode"))?;
    if mode.negated {
        return Err(mode.cannot_invert());
    }
    let negated = pending.options.iter().any(|option| option.negated && option.name != "--packet");
    if let Some(option) = pending.options.iter().find(|option| option.negated && option.name == "--packet") {
        return Err(option.cannot_invert());
    }
    let statistic_mode = match mode.value() {
        "random" => {
            let option = find("--probability").ok_or_else(|| missing(pending, "--probability"))?;
            if find("--every").is_some() || find("--packet").is_some() {
                return Err(option.bad("`--every` and `--packet` belong to `--mode nth`"));
            }
            let probability = Probability::parse(option.value())
                .ok_or_else(|| option.bad("a probability is a number from 0 to 1"))?;
            StatisticMode::Random { probability }
        }
        "nth" => {
            let option = find("--every").ok_or_else(|| missing(pending, "--every"))?;
            if find("--probability").is_some() {
                return Err(option.bad("`--probability` belongs to `--mode random`"));
            }
            let every = option
                .value()
                .parse::<u32>()
                .ok()
                .filter(|every| *every > 0)
                .ok_or_else(|| option.bad("`--every` is a whole number of at least 1"))?;
            let packet = match find("--packet") {
                Some(packet_option) => packet_option
                    .value()
                    .parse::<u32>()
                    .ok()
                    .filter(|packet| *packet < every)
                    .ok_or_else(|| packet_option.bad("`--packet` is a whole number below `--every`"))?,
                None => 0,
            };
            StatisticMode::Nth { every, packet }
        }
        _ => return Err(mode.bad("the mode is `random` or `nth`")),
    };
    Ok(Some(Statistic { mode: statistic_mode, negated }))
}

fn mark(pending: &PendingMatch) -> Built<Match> {
    let [option] = pending.options.as_slice() else {
        no_repeats(&pending.options)?;
        return Err(missing(pending, "--mark"));
    };
    let value = MarkMask::parse(option.value())
        .ok_or_else(|| option.bad("a mark is VALUE or VALUE/MASK, in decimal or 0x hex"))?;
    Ok(Some(Match::Mark(Negatable { negated: option.negated, value })))
}

fn conntrack(pending: &PendingMatch) -> Built<Match> {
    no_repeats(&pending.options)?;
    let [option] = pending.options.as_slice() else {
        return Ok(None);
    };
    if option.name != "--ctstate" {
        return Ok(None);
    }
    let states = CtStates::parse(option.value()).ok_or_else(|| {
        option.bad("states are INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED, SNAT or DNAT, joined with commas")
    })?;
    Ok(Some(Match::Conntrack(Conntrack { state: Negatable { negated: option.negated, value: states } })))
}

fn recent(pending: &PendingMatch) -> Built<Recent> {
    no_repeats(&pending.options)?;
    let mut command: Option<(RecentCommand, bool)> = None;
    let mut recent = Recent::new(RecentCommand::Set, "DEFAULT");
    let mut side_given = false;
    for option in &pending.options {
        let this_command = match option.name.as_str() {
            "--set" => Some(RecentCommand::Set),
            "--rcheck" => Some(RecentCommand::Check),
            "--update" => Some(RecentCommand::Update),
            "--remove" => Some(RecentCommand::Remove),
            _ => None,
        };
        if let Some(this_command) = this_command {
            if command.is_some() {
                return Err(option.bad("only one of `--set`, `--rcheck`, `--update` and `--remove` may be given"));
            }
            command = Some((this_command, option.negated));
            continue;
        }
        if option.negated {
            return Err(option.cannot_invert());
        }
        match option.name.as_str() {
            "--seconds" => {
                recent.seconds = option.value().parse().map_err(|_| option.bad("seconds are a whole number"))?;
            }
            "--hitcount" => {
                recent.hit_count = option.value().parse().map_err(|_| option.bad("the hit count is a whole number"))?;
            }
            "--reap" => recent.reap = true,
            "--rttl" => recent.rttl = true,
            "--name" => {
                if option.value().is_empty() || option.value().len() > 199 {
                    return Err(option.bad("a list name has 1 to 199 characters"));
                }
                if !is_bare_word(option.value()) {
                    return Err(option.bad("a list name has no blanks or quotes (iptables-save prints it bare)"));
                }
                recent.name = option.value().to_string();
            }
            "--mask" => {
                recent.mask = option
                    .value()
                    .parse()
                    .map_err(|_| option.bad("the mask is an IPv4 address such as 255.255.255.255"))?;
            }
            "--rsource" | "--rdest" => {
                if side_given {
                    return Err(option.bad("only one of `--rsource` and `--rdest` may be given"));
                }
                side_given = true;
                recent.side = if option.name == "--rsource" { RecentSide::Source } else { RecentSide::Destination };
            }
            _ => return Ok(None),
        }
    }
    let (command, negated) = command.ok_or_else(|| missing(pending, "--set, --rcheck, --update or --remove"))?;
    if recent.reap && recent.seconds == 0 {
        return Err(missing(pending, "--seconds (needed by --reap)"));
    }
    recent.command = command;
    recent.negated = negated;
    Ok(Some(recent))
}

fn nfacct(pending: &PendingMatch) -> Built<Match> {
    let [option] = pending.options.as_slice() else {
        no_repeats(&pending.options)?;
        return Err(missing(pending, "--nfacct-name"));
    };
    if option.negated {
        return Err(option.cannot_invert());
    }
    Ok(Some(Match::Nfacct(Nfacct::new(option.value()))))
}

fn set(pending: &PendingMatch) -> Built<Match> {
    no_repeats(&pending.options)?;
    let [option] = pending.options.as_slice() else {
        return Ok(None);
    };
    if option.name != "--match-set" {
        return Ok(None);
    }
    let name = option.value().to_string();
    if !is_bare_word(&name) {
        return Err(option.bad("a set name has no blanks or quotes (iptables-save prints it bare)"));
    }
    let directions_text = option.values.get(1).map_or("", String::as_str);
    let directions = SetMatch::parse_directions(directions_text)
        .ok_or_else(|| option.bad("directions are `src` or `dst`, up to six joined with commas"))?;
    Ok(Some(Match::Set(SetMatch { negated: option.negated, name, directions })))
}

fn multiport(pending: &PendingMatch) -> Built<Match> {
    let [option] = pending.options.as_slice() else {
        no_repeats(&pending.options)?;
        return Err(missing(pending, "--dports, --sports or --ports"));
    };
    let side = match option.name.as_str() {
        "--sports" | "--source-ports" => MultiportSide::Source,
        "--dports" | "--destination-ports" => MultiportSide::Destination,
        _ => MultiportSide::Either,
    };
    let ports = Multiport::parse_ports(option.value())
        .ok_or_else(|| option.bad("up to 15 ports or FIRST:LAST ranges joined with commas (a range counts twice)"))?;
    Ok(Some(Match::Multiport(Multiport { negated: option.negated, side, ports })))
}

fn rpfilter(pending: &PendingMatch) -> Built<Rpfilter> {
    no_repeats(&pending.options)?;
    let mut rpfilter = Rpfilter::default();
    for option in &pending.options {
        if option.negated {
            return Err(option.cannot_invert());
        }
        match option.name.as_str() {
            "--loose" => rpfilter.loose = true,
            "--validmark" => rpfilter.validmark = true,
            "--accept-local" => rpfilter.accept_local = true,
            "--invert" => rpfilter.invert = true,
            _ => return Ok(None),
        }
    }
    Ok(Some(rpfilter))
}

/// Turns `-j NAME OPTIONS` into a target. A name that is not a chain of the table and looks like
/// a chain name still becomes a jump (so the rule is kept), with a `NoSuchTarget` problem.
fn build_target(
    pending: &PendingTarget,
    is_chain: &dyn Fn(&str) -> bool,
) -> Result<(Target, Option<Located>), Located> {
    let name = pending.name.as_str();
    if let Some(option) = pending.options.iter().find(|option| option.negated) {
        return Err(option.cannot_invert());
    }
    if KNOWN_TARGETS.contains(&name) {
        if pending.goto {
            return Err((
                pending.column,
                ParseErrorKind::BadValue {
                    option: "-g".to_string(),
                    value: name.to_string(),
                    reason: "`-g` goes to a user chain, not to a target".to_string(),
                },
            ));
        }
        no_repeats(&pending.options)?;
        return known_target(pending).map(|target| (target, None));
    }
    if is_chain(name) || !looks_like_extension(name) {
        let chain = ChainName::new(name).map_err(|error| {
            (
                pending.column,
                ParseErrorKind::BadValue {
                    option: "-j".to_string(),
                    value: name.to_string(),
                    reason: error.to_string(),
                },
            )
        })?;
        if let Some(option) = pending.options.first() {
            return Err((option.column, ParseErrorKind::UnknownOption { option: option.name.clone() }));
        }
        let warning =
            (!is_chain(name)).then(|| (pending.column, ParseErrorKind::NoSuchTarget { name: name.to_string() }));
        let target = if pending.goto { Target::Goto(chain) } else { Target::Jump(chain) };
        return Ok((target, warning));
    }
    Ok((Target::Unknown { name: name.to_string(), args: pending.options.iter().flat_map(Opt::words).collect() }, None))
}

fn known_target(pending: &PendingTarget) -> Result<Target, Located> {
    let find = |name: &str| pending.options.iter().find(|option| option.name == name);
    let has = |name: &str| find(name).is_some();
    let unknown =
        || Target::Unknown { name: pending.name.clone(), args: pending.options.iter().flat_map(Opt::words).collect() };
    let target = match pending.name.as_str() {
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "RETURN" => Target::Return,
        "TRACE" => Target::Trace,
        "REJECT" => match find("--reject-with") {
            Some(option) => Target::Reject(
                RejectWith::parse(option.value())
                    .ok_or_else(|| option.bad("not an IPv4 reject type such as icmp-port-unreachable or tcp-reset"))?,
            ),
            None => Target::Reject(RejectWith::default()),
        },
        "DNAT" | "SNAT" => {
            let to_name = if pending.name == "DNAT" { "--to-destination" } else { "--to-source" };
            let option = find(to_name).ok_or_else(|| {
                (pending.column, ParseErrorKind::MissingValue { option: format!("-j {} {to_name}", pending.name) })
            })?;
            let to = NatRange::parse(option.value())
                .ok_or_else(|| option.bad("a NAT range is ADDRESS[-ADDRESS][:PORT[-PORT]]"))?;
            let nat = Nat {
                to,
                random: has("--random"),
                random_fully: has("--random-fully"),
                persistent: has("--persistent"),
            };
            if pending.name == "DNAT" { Target::Dnat(nat) } else { Target::Snat(nat) }
        }
        "MASQUERADE" => {
            let to_ports = match find("--to-ports") {
                Some(option) => Some(
                    parse_dash_range(option.value())
                        .or_else(|| PortRange::parse(option.value()))
                        .ok_or_else(|| option.bad("ports are PORT or FIRST-LAST"))?,
                ),
                None => None,
            };
            Target::Masquerade(Masquerade { to_ports, random: has("--random"), random_fully: has("--random-fully") })
        }
        "MARK" => {
            let [option] = pending.options.as_slice() else {
                return Err((
                    pending.column,
                    ParseErrorKind::MissingValue {
                        option: "-j MARK --set-xmark (or --set-mark, --or-mark ...)".to_string(),
                    },
                ));
            };
            mark_target(option)?
        }
        "LOG" => {
            let mut log = Log::default();
            for option in &pending.options {
                match option.name.as_str() {
                    "--log-prefix" => {
                        if option.value().len() > 29 {
                            return Err(option.bad("a log prefix has at most 29 characters"));
                        }
                        log.prefix = option.value().to_string();
                    }
                    "--log-level" => {
                        log.level = Log::parse_level(option.value())
                            .ok_or_else(|| option.bad("a level is 0 to 7 or a name such as warning"))?;
                    }
                    _ => return Ok(unknown()),
                }
            }
            Target::Log(log)
        }
        _ => unknown(),
    };
    if let Some(option) = pending
        .options
        .first()
        .filter(|_| matches!(target, Target::Accept | Target::Drop | Target::Return | Target::Trace))
    {
        return Err((option.column, ParseErrorKind::UnknownOption { option: option.name.clone() }));
    }
    Ok(target)
}

/// libxt_MARK.c `mark_tg_parse`: every spelling becomes a value/mask pair.
fn mark_target(option: &Opt) -> Result<Target, Located> {
    let reason = "a mark is VALUE or VALUE/MASK, in decimal or 0x hex";
    match option.name.as_str() {
        "--set-xmark" => Ok(Target::Mark(MarkMask::parse(option.value()).ok_or_else(|| option.bad(reason))?)),
        "--set-mark" => {
            let mark = MarkMask::parse(option.value()).ok_or_else(|| option.bad(reason))?;
            Ok(Target::set_mark(mark.value, mark.mask))
        }
        _ => {
            let bits =
                parse_u32(option.value()).ok_or_else(|| option.bad("a mark is a number, in decimal or 0x hex"))?;
            Ok(match option.name.as_str() {
                "--and-mark" => Target::and_mark(bits),
                "--or-mark" => Target::or_mark(bits),
                _ => Target::xor_mark(bits),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::parse::words::split;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let words = split(input).unwrap();
        let outcome = parse_rule(&words, &|name| name.starts_with("KUBE-") || name.starts_with("cali-"));
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        assert_eq!(outcome.rule.unwrap().to_string(), expected);
    }

    #[track_caller]
    fn error(input: &str) -> ParseErrorKind {
        let words = split(input).unwrap();
        let outcome = parse_rule(&words, &|name| name.starts_with("KUBE-"));
        outcome.errors.into_iter().next().map(|(_, kind)| kind).expect("an error")
    }

    #[test]
    fn restore_form_becomes_save_form() {
        // Reference §12.1 examples.
        check(
            r#"-m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O"#,
            r#"-d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O"#,
        );
        check(
            "-m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
            r#"-p tcp -m comment --comment "ns1/svc1:p80" -m tcp -j DNAT --to-destination 10.180.0.1:80"#,
        );
        check("-j MARK --or-mark 0x00004000", "-j MARK --set-xmark 0x4000/0x4000");
        check("-m mark ! --mark 0x00004000/0x00004000 -j RETURN", "-m mark ! --mark 0x4000/0x4000 -j RETURN");
        check(
            "-m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap -j KUBE-SEP-X",
            "-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource -j KUBE-SEP-X",
        );
        check("-j REJECT", "-j REJECT --reject-with icmp-port-unreachable");
        check("-p tcp --dport 8080 -j TRACE", "-p tcp -m tcp --dport 8080 -j TRACE");
    }

    #[test]
    fn unknown_modules_and_targets_are_kept() {
        check("-p icmp -m icmp --icmp-type 8 -j ACCEPT", "-p icmp -m icmp --icmp-type 8 -j ACCEPT");
        check(
            "-p tcp -m tcp --tcp-flags SYN,RST SYN -j CT --notrack",
            "-p tcp -m tcp --tcp-flags SYN,RST SYN -j CT --notrack",
        );
    }

    #[test]
    fn errors() {
        assert_eq!(error("-m tcp --dport"), ParseErrorKind::MissingValue { option: "--dport".into() });
        assert_eq!(error("--dport 80"), ParseErrorKind::UnknownOption { option: "--dport".into() });
        assert!(matches!(error("-s 10.0.0.0/8 -s 10.0.0.0/8"), ParseErrorKind::Repeated { .. }));
        assert!(matches!(error("-m statistic --mode random --probability 2"), ParseErrorKind::BadValue { .. }));
        assert!(matches!(error("-j KUBE-MARK-MASQ !"), ParseErrorKind::CannotInvert { .. }));
        assert_eq!(error("-j NOPE-CHAIN"), ParseErrorKind::NoSuchTarget { name: "NOPE-CHAIN".into() });
        assert!(matches!(error("-s 10.0.0.1,10.0.0.2"), ParseErrorKind::BadValue { .. }));
        assert!(matches!(error("-m recent --reap --name X --rcheck"), ParseErrorKind::MissingValue { .. }));
        // Found by fuzzing: a quoted module name with a space printed back as two words.
        assert!(matches!(error("-m \"-m \" -S"), ParseErrorKind::BadValue { .. }));
        assert!(matches!(error("-m \"\""), ParseErrorKind::BadValue { .. }));
        // Names iptables-save prints bare must be one bare word.
        assert!(matches!(error("-m recent --update --name \"h \""), ParseErrorKind::BadValue { .. }));
        assert!(matches!(error("-m set --match-set \"a b\" src"), ParseErrorKind::BadValue { .. }));
    }

    #[test]
    fn protocol_options_before_the_protocol_are_refused() {
        // Found by fuzzing: an unmodelled module took `--dport` before `-p udp`, and the saved
        // form (`-p udp` first) gave it to the udp match instead, so the text was no fixed point.
        let before =
            |protocol: &str| ParseErrorKind::BeforeProtocol { option: "--dport".into(), protocol: protocol.into() };
        assert_eq!(error("-m foo --dport 80 x -p udp"), before("udp"));
        assert_eq!(error("-j CT --notrack --dport 80 -p tcp"), before("tcp"));
        // In iptables-save's order the protocol's match takes it, and the text reads back the same.
        check("-p udp -m foo --dport 80", "-p udp -m foo -m udp --dport 80");
        check("-p tcp -j CT --notrack --dport 80", "-p tcp -m tcp --dport 80 -j CT --notrack");
        check("-p tcp -m tcp --dport 80 -j CT --notrack", "-p tcp -m tcp --dport 80 -j CT --notrack");
        // Options the protocol's match does not know stay with the unmodelled module wherever `-p` is.
        check("-m foo --bar 1 -p tcp", "-p tcp -m foo --bar 1");
        check("-p tcp -m foo --bar 1", "-p tcp -m foo --bar 1");
    }
}
