//! Golden tests of the `packetlab` binary: one folder per scenario under `tests/cli/`.
//!
//! Each folder holds `cmd` (the arguments, shell-quoted, run in that folder), an optional
//! `stdin`, the manifest files it names, and the expected `stdout`, `stderr` and `status`.
//! Regenerate the expectations with `UPDATE_EXPECT=1 cargo test --test cli`, then read the
//! diff: every golden was checked by hand against kubectl's and iptables' real behaviour.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use expect_test::expect_file;

/// Runs the binary with `args` in the folder of `case`, feeding it `stdin`; returns stdout.
fn run(case: &str, args: &[&str], stdin: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli").join(case);
    let mut child = Command::new(env!("CARGO_BIN_EXE_packetlab"))
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

fn check(case: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli").join(case);
    let cmd = std::fs::read_to_string(dir.join("cmd")).unwrap();
    let args = engine::shell::words::split(cmd.trim()).unwrap();
    let stdin = std::fs::read(dir.join("stdin")).unwrap_or_default();
    let mut child = Command::new(env!("CARGO_BIN_EXE_packetlab"))
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    let status = output.status.code().map_or("killed".to_string(), |code| code.to_string());
    // expect-test reads goldens with CRLF folded to LF, so carriage returns (whoami echoes
    // the request with CRLF line ends) are shown as `\r`.
    let shown = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap().replace('\r', "\\r");
    expect_file![dir.join("stdout")].assert_eq(&shown(output.stdout));
    expect_file![dir.join("stderr")].assert_eq(&shown(output.stderr));
    expect_file![dir.join("status")].assert_eq(&format!("{status}\n"));
}

#[test]
fn usage_error() {
    check("usage_error");
}

#[test]
fn unknown_option() {
    check("unknown_option");
}

#[test]
fn help() {
    check("help");
}

#[test]
fn bad_manifest() {
    check("bad_manifest");
}

#[test]
fn default_nodes() {
    check("default_nodes");
}

#[test]
fn nodeport_pods() {
    check("nodeport_pods");
}

#[test]
fn nodeport_services() {
    check("nodeport_services");
}

#[test]
fn nodeport_endpointslices() {
    check("nodeport_endpointslices");
}

#[test]
fn transcript() {
    check("transcript");
}

#[test]
fn stdin_manifest() {
    check("stdin_manifest");
}

#[test]
fn unknown_host() {
    check("unknown_host");
}

#[test]
fn nodeport_iptables_save() {
    check("nodeport_iptables_save");
}

#[test]
fn nodeport_kube_services() {
    check("nodeport_kube_services");
}

#[test]
fn verbose_defaults() {
    check("verbose_defaults");
}

#[test]
fn blog_nodeport() {
    check("blog_nodeport");
}

#[test]
fn clusterip_trace() {
    check("clusterip_trace");
}

#[test]
fn clusterip_spread() {
    check("clusterip_spread");
}

#[test]
fn reject_no_endpoints() {
    check("reject_no_endpoints");
}

#[test]
fn affinity() {
    check("affinity");
}

#[test]
fn curl_verbose() {
    check("curl_verbose");
}

/// The same seed prints the same bytes; another seed draws other client ports, endpoints and
/// MASQUERADE ports, so the output differs somewhere.
#[test]
fn seed_determinism() {
    let transcript = "client$ curl -s http://172.16.120.63:31000/\nnode1$ conntrack -L\nnode1$ tcpdump -ni tunl0\n";
    let seven = run("blog_nodeport", &["--seed", "7", "nodeport.yaml"], transcript);
    let again = run("blog_nodeport", &["--seed=7", "nodeport.yaml"], transcript);
    let eight = run("blog_nodeport", &["--seed", "8", "nodeport.yaml"], transcript);
    assert!(seven.contains("192.168.56.128"), "{seven}");
    assert_eq!(seven, again);
    assert_ne!(seven, eight);
    // The default seed is 1: no --seed prints what --seed 1 prints.
    let default = run("blog_nodeport", &["nodeport.yaml"], transcript);
    assert_eq!(default, run("blog_nodeport", &["--seed", "1", "nodeport.yaml"], transcript));
    // `lab seed N` in a transcript restarts the generator as --seed N does.
    let reseeded = run("blog_nodeport", &["nodeport.yaml"], &format!("client$ lab seed 7\n{transcript}"));
    assert_eq!(reseeded.lines().skip(1).collect::<Vec<_>>(), seven.lines().collect::<Vec<_>>());
}

/// One source of truth: what `iptables-save` prints on a node is the text the tracer parsed
/// its rules from (only the banner's date differs), and Felix's chains are in it.
#[test]
fn iptables_save_is_what_the_tracer_evaluates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/blog_nodeport");
    let text = std::fs::read_to_string(dir.join("nodeport.yaml")).unwrap();
    let mut lab = engine::shell::Lab::from_text(&text);
    let nodes: Vec<String> = lab.cluster().nodes.iter().map(|node| node.name.clone()).collect();
    assert!(nodes.len() >= 2);
    for node in nodes {
        let host = lab.host(&node).unwrap();
        let shown = lab.run(&host, "iptables-save").stdout;
        let evaluated = lab.net().node_rules(&node).unwrap().save_text.clone();
        let date = engine::shell::LAB_DATE;
        assert_eq!(shown, evaluated.replace(engine::trace::lab::SAVE_DATE, date), "{node}");
        assert!(shown.contains(":cali-PREROUTING - [0:0]") && shown.contains("-j KUBE-SERVICES"), "{node}");
    }
}
