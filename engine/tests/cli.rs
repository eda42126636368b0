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
    expect_file![dir.join("stdout")].assert_eq(&String::from_utf8(output.stdout).unwrap());
    expect_file![dir.join("stderr")].assert_eq(&String::from_utf8(output.stderr).unwrap());
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
