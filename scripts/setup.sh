#!/usr/bin/env bash
# Idempotent set-up for Kube Packet Lab: installs only what is missing, from the package
# registries this machine reaches (rustup's wasm32 std, crates.io, Debian). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
step() { echo "== setup: $* (+$((SECONDS - t0))s)"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# --- kernel differential test (engine/tests/kernel.rs; branch `kernel`) ---
# Real network namespaces judge the engine: iproute2 (ip netns, veth, bridge), iptables
# (iptables-restore of the engine's rules, xtables-monitor --trace), ipset (Felix's sets),
# nfacct (kube-proxy's counters), procps (sysctl) and python3 (the sockets). Needs root.
kernel_missing=()
command -v ip               >/dev/null || kernel_missing+=(iproute2)
command -v iptables-restore >/dev/null || kernel_missing+=(iptables)
command -v xtables-monitor  >/dev/null || kernel_missing+=(iptables)
command -v ipset            >/dev/null || kernel_missing+=(ipset)
command -v nfacct           >/dev/null || kernel_missing+=(nfacct)
command -v sysctl           >/dev/null || kernel_missing+=(procps)
command -v python3          >/dev/null || kernel_missing+=(python3)
if [ ${#kernel_missing[@]} -gt 0 ]; then
  step "apt-get install ${kernel_missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${kernel_missing[@]}" >/dev/null
fi
# --- end of the kernel differential test's block ---

# 1. The wasm32 standard library: the engine must build for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. clippy (part of the test command).
if ! cargo clippy --version >/dev/null 2>&1; then
  step "rustup component add clippy"
  rustup component add clippy
fi

# 3. Crates, so later builds can run offline.
step "cargo fetch"
cargo fetch --locked -q
step "done"
