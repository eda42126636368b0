#!/usr/bin/env bash
# Idempotent set-up for Kube Packet Lab: installs only what is missing, from the package
# registries this machine reaches (rustup's wasm32 std, crates.io, Debian). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
step() { echo "== setup: $* (+$((SECONDS - t0))s)"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

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

# --- fuzz (issue 6): the nightly toolchain and cargo-fuzz for the short fuzz pass in .ci/run.
if ! rustup toolchain list | grep -q '^nightly'; then
  step "rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  step "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
step "cargo fetch (fuzz targets)"
cargo +nightly fetch --manifest-path fuzz/Cargo.toml -q
# --- end fuzz

# 3. Crates, so later builds can run offline.
step "cargo fetch"
cargo fetch --locked -q
step "done"
