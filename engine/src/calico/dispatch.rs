//! The workload dispatch chains: `cali-from-wl-dispatch` / `cali-to-wl-dispatch`, which send a
//! packet to the chain of the pod interface it came from or goes to.
//!
//! Part of the Calico stage. Port of `WorkloadDispatchChains`, `interfaceNameDispatchChains`,
//! `buildSingleDispatchChains` and `sortAndDivideEndpointNamesToPrefixTree`
//! (felix/rules/dispatch.go), iptables mode: interface names are sorted, their common prefix is
//! found, and names are binned by the next character. A bin with one name becomes a direct
//! `--goto cali-fw-<iface>` rule in the root chain; a bin with several becomes
//! `--in-interface <prefix>+ --goto cali-from-wl-dispatch-<char>` and a child chain. Root and
//! child chains end with "Unknown interface" DROP.

use super::chain::FelixChain;
use super::endpoint::{FROM_ENDPOINT_PREFIX, TO_ENDPOINT_PREFIX};
use super::felix_rule::{FelixAction, FelixMatch, FelixRule};
use super::hash::{MAX_CHAIN_NAME_LENGTH, length_limited_id};
use super::static_chains::{FROM_WORKLOAD_DISPATCH, TO_WORKLOAD_DISPATCH};

/// Both dispatch trees (from-workload first, then to-workload, children before their root, as
/// Felix returns them) for these interface names.
pub fn workload_dispatch_chains(interfaces: &[String]) -> Vec<FelixChain> {
    let mut chains = build(interfaces, FROM_WORKLOAD_DISPATCH, FROM_ENDPOINT_PREFIX, FelixMatch::InInterface);
    chains.extend(build(interfaces, TO_WORKLOAD_DISPATCH, TO_ENDPOINT_PREFIX, FelixMatch::OutInterface));
    chains
}

fn unknown_interface() -> FelixRule {
    FelixRule::new(FelixAction::Drop).comment("Unknown interface")
}

fn build(
    interfaces: &[String],
    root_name: &str,
    endpoint_prefix: &str,
    interface_match: fn(String) -> FelixMatch,
) -> Vec<FelixChain> {
    let (common, bins) = divide(interfaces);
    let goto_endpoint = |name: &str| {
        FelixRule::new(FelixAction::Goto(length_limited_id(endpoint_prefix, name, MAX_CHAIN_NAME_LENGTH)))
            .with(interface_match(name.to_string()))
    };
    let mut children = Vec::new();
    let mut root = Vec::new();
    for (prefix, names) in bins {
        match names.as_slice() {
            [single] => root.push(goto_endpoint(single)),
            _ => {
                let next: String = prefix.chars().skip(common.chars().count()).collect();
                let child_name = format!("{root_name}-{next}");
                root.push(
                    FelixRule::new(FelixAction::Goto(child_name.clone())).with(interface_match(format!("{prefix}+"))),
                );
                let mut rules: Vec<FelixRule> = names.iter().map(|name| goto_endpoint(name)).collect();
                rules.push(unknown_interface());
                children.push(FelixChain::new(child_name, rules));
            }
        }
    }
    root.push(unknown_interface());
    children.push(FelixChain::new(root_name, root));
    children
}

/// `sortAndDivideEndpointNamesToPrefixTree`: the common prefix, and the sorted, de-duplicated
/// names binned by `common prefix + next character`, bins in sorted order.
fn divide(interfaces: &[String]) -> (String, Vec<(String, Vec<String>)>) {
    let mut names: Vec<String> = interfaces.iter().filter(|name| !name.is_empty()).cloned().collect();
    crate::sort::natural(&mut names);
    names.dedup();
    let common = common_prefix(&names);
    let mut bins: Vec<(String, Vec<String>)> = Vec::new();
    for name in names {
        let prefix: String = name.chars().take(common.chars().count().saturating_add(1)).collect();
        match bins.last_mut() {
            Some((last, members)) if *last == prefix => members.push(name),
            _ => bins.push((prefix, vec![name])),
        }
    }
    (common, bins)
}

/// `stringutils.CommonPrefix`: the longest prefix shared by every name ("" for none).
fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut length = first.chars().count();
    for name in names.iter().skip(1) {
        let shared = first.chars().zip(name.chars()).take_while(|(a, b)| a == b).count();
        length = length.min(shared);
    }
    first.chars().take(length).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(chains: &[FelixChain]) -> Vec<&str> {
        chains.iter().map(|chain| chain.name.as_str()).collect()
    }

    #[test]
    fn no_endpoints_leaves_only_the_drop() {
        let chains = workload_dispatch_chains(&[]);
        assert_eq!(names(&chains), ["cali-from-wl-dispatch", "cali-to-wl-dispatch"]);
        assert_eq!(chains[0].rules, [unknown_interface()]);
    }

    #[test]
    fn shared_next_character_makes_a_child_chain() {
        let interfaces: Vec<String> =
            ["cali4a", "cali4b", "cali5c", "cali4a"].iter().map(|name| name.to_string()).collect();
        let chains = workload_dispatch_chains(&interfaces);
        assert_eq!(
            names(&chains),
            ["cali-from-wl-dispatch-4", "cali-from-wl-dispatch", "cali-to-wl-dispatch-4", "cali-to-wl-dispatch"]
        );
        let root: Vec<String> = chains[1].rules.iter().map(FelixRule::fragment).collect();
        assert_eq!(
            root,
            [
                "--in-interface cali4+ --goto cali-from-wl-dispatch-4",
                "--in-interface cali5c --goto cali-fw-cali5c",
                "-m comment --comment \"Unknown interface\" --jump DROP",
            ]
        );
        assert_eq!(chains[0].rules.len(), 3);
    }

    #[test]
    fn a_published_child_chain_jump_reproduces() {
        // kubernetes/kubernetes#61005 (2019): two pods share `cali4`, so the root chain's first
        // rule goes to a child chain: `-o cali4+ ... "cali:OvZFoUJ0shat6y2L" -g cali-to-wl-dispatch-4`.
        let interfaces: Vec<String> = ["cali40230d8b50d", "cali4298ededa0f", "cali5f87d3be0cd", "calie970167072b"]
            .iter()
            .map(|n| n.to_string())
            .collect();
        let chains = workload_dispatch_chains(&interfaces);
        let to = chains.iter().find(|chain| chain.name == "cali-to-wl-dispatch").unwrap();
        assert_eq!(to.rules[0].fragment(), "--out-interface cali4+ --goto cali-to-wl-dispatch-4");
        assert_eq!(to.hashes()[0], "OvZFoUJ0shat6y2L");
        let child = chains.iter().find(|chain| chain.name == "cali-to-wl-dispatch-4").unwrap();
        assert_eq!(child.rules.len(), 3);
    }

    #[test]
    fn felix_restore_text_of_a_published_dispatch_chain() {
        // projectcalico/calico#8433 shows Felix's input: one rule per interface when every
        // interface differs in the character after the common prefix `cali`.
        let interfaces: Vec<String> =
            ["calid95a4ea2129", "cali5b14f994e2c", "calie0fed699495"].iter().map(|name| name.to_string()).collect();
        let chains = workload_dispatch_chains(&interfaces);
        let from = chains.iter().find(|chain| chain.name == "cali-from-wl-dispatch").unwrap();
        assert_eq!(from.rules[0].fragment(), "--in-interface cali5b14f994e2c --goto cali-fw-cali5b14f994e2c");
        assert_eq!(from.rules.len(), 4);
    }

    #[test]
    fn a_published_flat_dispatch_chain_reproduces() {
        // An AKS node's `iptables --list-rules`: six pods, each with its own next character.
        let interfaces: Vec<String> = [
            "calif6abb148530",
            "cali112d888c0c2",
            "cali26cecacb712",
            "cali55f439ddb0e",
            "cali9d7310e16e7",
            "calic5a1f1aa0ed",
        ]
        .iter()
        .map(|name| name.to_string())
        .collect();
        let chains = workload_dispatch_chains(&interfaces);
        let from = chains.iter().find(|chain| chain.name == "cali-from-wl-dispatch").unwrap();
        assert_eq!(
            from.hashes(),
            [
                "887K6j2m0yTxV8XZ",
                "-1f18nv9_J5o_MPL",
                "X28EvX2q55aZM8gM",
                "CxKCBaJmNdZnWGOY",
                "ZPC1pWieGIBIr5A7",
                "xDvXvF5yVFq7Y1QJ",
                "FUqQW1upEuPXcL7s"
            ]
        );
    }
}
