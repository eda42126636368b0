//! `iptables-save` and `iptables -S/-L` on a lab host, printed by the netfilter renderers
//! (`netfilter::save`, `netfilter::spec`, `netfilter::list`) from the host's rules.
//!
//! Behaviour, messages and exit codes follow iptables v1.8.9 with the nf_tables backend
//! (what current Debian and Ubuntu nodes run), checked in a scratch network namespace:
//! an empty namespace (a pod's or the outside client's) prints nothing for `iptables-save`
//! but shows the built-in chains for `iptables-save -t TABLE`, `-S` and `-L`; a missing chain
//! is "incompatible" (the nft backend's wording); a chain name must follow `-S`/`-L` directly.

use super::{CommandOutput, Host, Lab};
use crate::netfilter::list::{ListOptions, list, list_chain};
use crate::netfilter::save::{SaveOptions, rule_lines, save, save_table};
use crate::netfilter::spec::{spec, spec_chain};
use crate::netfilter::{ChainName, Ruleset, Table, TableRules};

/// The program name iptables prints in front of its errors.
const PROGRAM: &str = "iptables v1.8.9 (nf_tables)";

/// `iptables-save [-t TABLE] [-c]`.
pub fn save_command(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let mut table = None;
    let mut counters = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-t" | "--table" => match iter.next() {
                Some(name) => table = Some(name.clone()),
                None => {
                    return CommandOutput::fail(
                        1,
                        format!("iptables-save: option '{arg}' requires an argument\nLook at manual page `iptables-save.8' for more information."),
                    );
                }
            },
            "-c" | "--counters" => counters = true,
            other if other.starts_with("--table=") => table = other.strip_prefix("--table=").map(str::to_string),
            other if other.starts_with("-t") && other.len() > 2 => table = other.get(2..).map(str::to_string),
            other if other.starts_with('-') => {
                return CommandOutput::fail(
                    1,
                    format!("iptables-save: unrecognized option '{other}'\nLook at manual page `iptables-save.8' for more information."),
                );
            }
            _ => return CommandOutput::fail(1, "Unknown arguments found on commandline"),
        }
    }
    let options = SaveOptions { counters, ..SaveOptions::new(lab.clock().date) };
    let ruleset = host_ruleset(lab, host);
    match table {
        None => CommandOutput::ok(save(&ruleset, &options)),
        Some(name) => match Table::parse(&name) {
            // Asking for a table shows it even where nothing created it yet.
            Some(table) => {
                let rules = ruleset.table(table).cloned().unwrap_or_else(|| TableRules::new(table));
                CommandOutput::ok(save_table(&rules, &options))
            }
            None => CommandOutput::fail(1, format!("Table `{name}' does not exist")),
        },
    }
}

/// What `iptables` was asked to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// `-S`, `--list-rules`.
    ListRules,
    /// `-L`, `--list`.
    List,
}

impl Command {
    fn letter(self) -> char {
        match self {
            Command::ListRules => 'S',
            Command::List => 'L',
        }
    }
}

/// The parsed command line of `iptables`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Request {
    command: Option<Command>,
    table: Option<String>,
    chain: Option<String>,
    rule_number: Option<String>,
    numeric: bool,
    verbose: bool,
    line_numbers: bool,
}

fn usage_error(message: &str) -> CommandOutput {
    CommandOutput::fail(2, format!("{PROGRAM}: {message}\nTry `iptables -h' or 'iptables --help' for more information."))
}

const HELP: &str = "\
iptables v1.8.9 (nf_tables) in the lab: only the listing commands are emulated.

Usage: iptables [-t TABLE] -S [CHAIN [RULENUM]]
       iptables [-t TABLE] -L [CHAIN [RULENUM]] [-n] [-v] [-x] [--line-numbers]
Tables: filter (default), nat, mangle, raw, security.
";

/// Commands that change rules; the lab shows kube-proxy's rules and does not take edits.
const CHANGING: &[(&str, &str)] = &[
    ("-A", "--append"),
    ("-C", "--check"),
    ("-D", "--delete"),
    ("-I", "--insert"),
    ("-R", "--replace"),
    ("-F", "--flush"),
    ("-Z", "--zero"),
    ("-N", "--new-chain"),
    ("-X", "--delete-chain"),
    ("-P", "--policy"),
    ("-E", "--rename-chain"),
];

/// Parses iptables' options the way its getopt loop does: short options may be grouped
/// (`-nvL`), `-t` takes a value (`-t nat`, `-tnat`), and `-S`/`-L` take an optional chain
/// and rule number only from the words right after them.
fn parse(args: &[String]) -> Result<Request, CommandOutput> {
    let mut request = Request::default();
    let mut index = 0usize;
    let set_command = |request: &mut Request, command: Command| -> Result<(), CommandOutput> {
        if let Some(existing) = request.command
            && existing != command
        {
            return Err(usage_error(&format!("Cannot use -{} with -{}", command.letter(), existing.letter())));
        }
        request.command = Some(command);
        Ok(())
    };
    while let Some(arg) = args.get(index) {
        index = index.saturating_add(1);
        let mut takes_chain = false;
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            match name {
                "list-rules" => {
                    set_command(&mut request, Command::ListRules)?;
                    takes_chain = true;
                }
                "list" => {
                    set_command(&mut request, Command::List)?;
                    takes_chain = true;
                }
                "table" => {
                    let value = match inline {
                        Some(value) => value,
                        None => {
                            let value = args.get(index).cloned();
                            index = index.saturating_add(1);
                            value.ok_or_else(|| usage_error("option \"--table\" requires an argument"))?
                        }
                    };
                    request.table = Some(value);
                }
                "numeric" => request.numeric = true,
                "verbose" => request.verbose = true,
                "exact" => {}
                "line-numbers" => request.line_numbers = true,
                "help" => return Err(CommandOutput::ok(HELP)),
                _ => {
                    if let Some((short, _)) = CHANGING.iter().find(|(_, long_name)| long_name.get(2..) == Some(name)) {
                        return Err(not_emulated(short));
                    }
                    return Err(usage_error(&format!("unknown option \"{arg}\"")));
                }
            }
        } else if let Some(group) = arg.strip_prefix('-').filter(|group| !group.is_empty()) {
            for (offset, letter) in group.char_indices() {
                match letter {
                    'S' => {
                        set_command(&mut request, Command::ListRules)?;
                        takes_chain = true;
                    }
                    'L' => {
                        set_command(&mut request, Command::List)?;
                        takes_chain = true;
                    }
                    'n' => request.numeric = true,
                    'v' => request.verbose = true,
                    'x' => {}
                    'h' => return Err(CommandOutput::ok(HELP)),
                    't' => {
                        let rest = group.get(offset.saturating_add(1)..).unwrap_or("");
                        let value = if rest.is_empty() {
                            let value = args.get(index).cloned();
                            index = index.saturating_add(1);
                            value.ok_or_else(|| usage_error("option \"-t\" requires an argument"))?
                        } else {
                            rest.to_string()
                        };
                        request.table = Some(value);
                        break;
                    }
                    other => {
                        let flag = format!("-{other}");
                        if CHANGING.iter().any(|(short, _)| *short == flag) {
                            return Err(not_emulated(&flag));
                        }
                        return Err(usage_error(&format!("unknown option \"{arg}\"")));
                    }
                }
            }
        } else {
            return Err(CommandOutput::fail(
                2,
                format!("Bad argument `{arg}'\nTry `iptables -h' or 'iptables --help' for more information."),
            ));
        }
        // `-S`/`-L` read an optional chain, then an optional rule number, from the next words.
        if takes_chain && let Some(chain) = args.get(index).filter(|word| !word.starts_with('-')) {
            request.chain = Some(chain.clone());
            index = index.saturating_add(1);
            if let Some(number) = args.get(index).filter(|word| !word.starts_with('-')) {
                request.rule_number = Some(number.clone());
                index = index.saturating_add(1);
            }
        }
    }
    Ok(request)
}

fn not_emulated(flag: &str) -> CommandOutput {
    CommandOutput::fail(
        1,
        format!(
            "packetlab: `iptables {flag}` is not emulated: the lab shows the rules kube-proxy writes; change the manifests to change them"
        ),
    )
}

/// `iptables [-t TABLE] -S|-L [CHAIN [RULENUM]] [-n] [-v] [--line-numbers]`.
pub fn iptables_command(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let request = match parse(args) {
        Ok(request) => request,
        Err(output) => return output,
    };
    let Some(command) = request.command else {
        return usage_error("no command specified");
    };
    let table_name = request.table.clone().unwrap_or_else(|| "filter".to_string());
    let Some(table) = Table::parse(&table_name) else {
        return CommandOutput::fail(
            3,
            format!("{PROGRAM}: table '{table_name}' does not exist\nPerhaps iptables or your kernel needs to be upgraded."),
        );
    };
    let rule_number = match request.rule_number.as_deref().map(str::parse::<usize>) {
        None => None,
        Some(Ok(number)) if number > 0 => Some(number),
        Some(_) => {
            let word = request.rule_number.unwrap_or_default();
            return CommandOutput::fail(
                2,
                format!("{PROGRAM}: Invalid rule number `{word}'\nTry `iptables -h' or 'iptables --help' for more information."),
            );
        }
    };
    let ruleset = host_ruleset(lab, host);
    let rules = ruleset.table(table).cloned().unwrap_or_else(|| TableRules::new(table));
    let missing_chain = |name: &str| {
        CommandOutput::fail(1, format!("{PROGRAM}: chain `{name}' in table `{table}' is incompatible, use 'nft' tool."))
    };
    let mut output = match (command, &request.chain) {
        (Command::ListRules, None) => CommandOutput::ok(spec(&rules)),
        (Command::ListRules, Some(name)) => {
            let chain_name = ChainName::from_trusted(name.clone());
            match (rules.chain(&chain_name), rule_number) {
                (None, _) => return missing_chain(name),
                (Some(chain), Some(number)) => {
                    let line = rule_lines(chain, false).into_iter().nth(number.saturating_sub(1));
                    CommandOutput::ok(line.map(|line| format!("{line}\n")).unwrap_or_default())
                }
                (Some(_), None) => CommandOutput::ok(spec_chain(&rules, &chain_name).unwrap_or_default()),
            }
        }
        (Command::List, chain) => {
            let options = ListOptions { verbose: request.verbose, line_numbers: request.line_numbers };
            match chain {
                None => CommandOutput::ok(list(&rules, options)),
                Some(name) => {
                    let chain_name = ChainName::from_trusted(name.clone());
                    let Some(text) = list_chain(&rules, &chain_name, options) else {
                        return missing_chain(name);
                    };
                    match rule_number {
                        // With a rule number iptables prints only that rule's line: skip the
                        // chain line and the column header.
                        Some(number) => CommandOutput::ok(
                            text.lines()
                                .nth(number.saturating_add(1))
                                .map(|line| format!("{line}\n"))
                                .unwrap_or_default(),
                        ),
                        None => CommandOutput::ok(text),
                    }
                }
            }
        }
    };
    if command == Command::List && !request.numeric {
        output.stderr.push_str(
            "packetlab: addresses, ports and protocols are shown as numbers, as with -n (the lab has no DNS or /etc/services)\n",
        );
    }
    output
}

/// The rules in `host`'s network namespace: the node's for a node or a hostNetwork pod,
/// none for a pod's own namespace or an outside host.
fn host_ruleset(lab: &mut Lab, host: &Host) -> Ruleset {
    match host {
        Host::Node(node) => lab.node_ruleset(node),
        Host::Pod { namespace, name } => {
            let node = lab
                .cluster()
                .pods
                .iter()
                .find(|pod| pod.namespace == *namespace && pod.name == *name && pod.host_network)
                .and_then(|pod| pod.node_name.clone());
            match node {
                Some(node) => lab.node_ruleset(&node),
                None => Ruleset::new(),
            }
        }
        Host::External(_) => Ruleset::new(),
    }
}

#[cfg(test)]
mod tests;
