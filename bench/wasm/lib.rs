//! `trace::spread`'s Monte Carlo draws in WebAssembly, for scripts/bench-wasm.sh: the same
//! cluster and the same call as engine/examples/montecarlo.rs (the blog post's cluster, ten
//! whoami pods behind `load/svc-500-web` and N more ClusterIP Services, from node1), exported
//! as plain `extern "C"` functions that bench/wasm/run.mjs calls and times from Node.js.
//!
//! Exports: `setup(services)` builds the lab; `draws(count, seed)` runs `trace::spread` with
//! `count` draws and returns the length of its result text (one `endpoint exact counted` line
//! per share, the same lines the native example prints), which `output()` points at.

use std::cell::RefCell;

use engine::trace::{self, Lab, Session};

#[path = "../../engine/benches/common/scale.rs"]
mod scale;

thread_local! {
    static LAB: RefCell<Option<Lab>> = const { RefCell::new(None) };
    static OUTPUT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Builds the lab with `services` extra ClusterIP Services.
#[unsafe(no_mangle)]
pub extern "C" fn setup(services: u32) {
    let lab = Lab::new(scale::cluster(services));
    LAB.with(|slot| *slot.borrow_mut() = Some(lab));
}

/// Runs `count` Monte Carlo draws from node1 to the web Service with a session seeded with
/// `seed`; returns the length of the result text.
#[unsafe(no_mangle)]
pub extern "C" fn draws(count: u32, seed: u32) -> usize {
    let text = LAB.with(|slot| match slot.borrow().as_ref() {
        Some(lab) => {
            let spread = trace::spread(lab, &Session::new(u64::from(seed)), "node1", scale::WEB_URL, u64::from(count));
            spread
                .shares
                .iter()
                .map(|share| format!("  {:<28} exact {:.10}  counted {}\n", share.endpoint, share.probability, share.count))
                .collect()
        }
        None => "setup was not called\n".to_string(),
    });
    OUTPUT.with(|output| {
        *output.borrow_mut() = text;
        output.borrow().len()
    })
}

/// Where the last result text starts in linear memory.
#[unsafe(no_mangle)]
pub extern "C" fn output() -> *const u8 {
    OUTPUT.with(|output| output.borrow().as_ptr())
}
