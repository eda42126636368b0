//! Kube Packet Lab in the browser: the Yew components and the pure logic behind them.
//!
//! The app sits after the engine and only shows what it computes:
//!
//! ```text
//! editor text --state (reducer)--> engine::manifest::parse -> cluster::build -> dataplane::hosts
//!   -> scene::Scene --layout::layout--> components::topology (SVG)
//! ```
//!
//! Everything that decides is plain Rust with native tests: [`state`] (the one store),
//! [`highlight`] (YAML colours), [`scene`] and [`layout`] (the diagram's content and maths),
//! [`history`], [`storage`] (what survives a reload), [`terminal`] (the shell panel), [`i18n`] (every UI string, English and
//! Japanese). [`components`] only render and dispatch. `main.rs` mounts [`App`]; the
//! browser tests mount it too.

pub mod analysis;
pub mod bridge;
pub mod anim;
pub mod components;
pub mod examples;
pub mod highlight;
pub mod histogram;
pub mod history;
pub mod i18n;
pub mod inspector;
pub mod layout;
pub mod loadbalancer;
pub mod number;
pub mod player;
pub mod scene;
pub mod send;
pub mod state;
pub mod storage;
pub mod terminal;
pub mod tracer_state;
pub mod window;

pub use components::app::App;
