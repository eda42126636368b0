//! Fuzz target: arbitrary text -> `netfilter::parse` and `restore --noflush` -> save -> parse,
//! which must be a fixed point after the first normalisation, also when some lines were
//! refused. The checks live in `engine/tests/regressions/checks.rs`, shared with `cargo test`.

#![no_main]

#[path = "../../engine/tests/regressions/checks.rs"]
#[allow(dead_code)]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        checks::netfilter_text(text);
    }
});
