//! The Yew components: they render the [`crate::state::AppState`] and dispatch
//! [`crate::state::Action`]s, nothing more. `app` owns the store and the browser effects.

pub mod app;
pub mod browser;
pub mod diagnostics;
pub mod editor;
pub mod histogram;
pub mod inspector;
pub mod lb_notes;
pub mod player;
pub mod send;
pub mod terminal;
pub mod topology;
pub mod tracer;
