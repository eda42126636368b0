#!/usr/bin/env bash
# Idempotent set-up for Kube Packet Lab: installs only what is missing, from the package
# registries this machine reaches (rustup's wasm32 std, crates.io, Debian, npm). Safe to re-run.
# The first run on a fresh 2-core machine takes about 8 minutes (Trunk and wasm-bindgen-cli
# compile from crates.io); afterwards about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

# The last Trunk whose rust-version fits Rust 1.95 (0.22.x needs 1.96.1).
TRUNK_VERSION=0.21.14
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock exactly.
WB_VERSION=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' Cargo.lock)
[ -n "$WB_VERSION" ] || { echo "wasm-bindgen not found in Cargo.lock" >&2; exit 1; }

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

# 3. Debian's headless browser and its driver (same package version, so they always match).
missing=()
command -v chromium     >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 4. Trunk, without default features: no TLS and no update check, so it can never download.
if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  step "cargo install trunk $TRUNK_VERSION (~4-5 min on 2 cores)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --version "$TRUNK_VERSION" --locked --no-default-features
fi

# 5. wasm-bindgen-cli (wasm-bindgen, wasm-bindgen-test-runner) at the lockfile's version.
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WB_VERSION" ]; then
  step "cargo install wasm-bindgen-cli $WB_VERSION (~2 min)"
  # --locked can fail when the registry mirror lags behind the CLI's lockfile; then resolve afresh.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked \
    || cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

# 6. npm: binaryen (wasm-opt 132; Debian's 108 cannot read current Rust's wasm) and
#    playwright-core (drives /usr/bin/chromium; downloads no browser).
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- release wasm: the pinned nightly with rust-src (scripts/build-release.sh, build-std).
source scripts/nightly.env
if ! rustup component list --toolchain "$RELEASE_NIGHTLY" --installed 2>/dev/null | grep -q '^rust-src'; then
  step "rustup toolchain install $RELEASE_NIGHTLY (rust-src)"
  rustup toolchain install "$RELEASE_NIGHTLY" --profile minimal --component rust-src
fi
# build-std compiles std from rust-src; Trunk runs cargo --offline, so std's own crates.io
# dependencies must already be in the registry cache.
step "cargo fetch (std for $RELEASE_NIGHTLY)"
cargo "+$RELEASE_NIGHTLY" fetch -q --manifest-path "$(rustc "+$RELEASE_NIGHTLY" --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"

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


# 7. Crates, so later builds can run offline.
step "cargo fetch"
cargo fetch --locked -q
step "done"
