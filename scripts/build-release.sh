#!/usr/bin/env bash
# The release build of the page (dist/): Trunk with the pinned nightly compiler, which rebuilds
# the standard library for wasm with panics as a bare trap and no panic location strings.
# Every reader downloads this wasm; these two settings take ~35 KB gzip off the first load
# (BENCHMARKS.md, "Bundle size"). The engine never panics on input (it returns diagnostics),
# so a panic message would only ever have gone to a console nobody reads.
#
#   -Z build-std=std,panic_abort      std compiled with the flags below (needs rust-src)
#   -Z build-std-features=optimize_for_size
#                                     std's smaller variants (sorts, formatting); see BENCHMARKS.md
#   -C panic=immediate-abort          a panic is `unreachable`: no formatting machinery
#   -Z location-detail=none           no file:line:column strings for panics
#
# BUILD_STD_FEATURES= (empty) turns optimize_for_size off, for comparisons.
# Native builds, tests, clippy and `trunk serve` (scripts/dev.sh) stay on the stable toolchain.
# scripts/setup.sh installs the pinned nightly with rust-src. Extra arguments go to Trunk.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
source scripts/nightly.env
export RUSTUP_TOOLCHAIN="$RELEASE_NIGHTLY"
export CARGO_UNSTABLE_BUILD_STD="std,panic_abort"
export CARGO_UNSTABLE_BUILD_STD_FEATURES="${BUILD_STD_FEATURES-optimize_for_size}"
export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
# Its own target directory: std built this way must not mix with the stable builds.
export CARGO_TARGET_DIR="$PWD/target/release-wasm"
exec trunk build --release --locked --offline "$@"
