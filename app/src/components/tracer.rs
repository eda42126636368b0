//! The tracer's root: its store, and its panels rendered into the page's slots.
//!
//! The page (the first wasm module) leaves an empty element for each tracer panel
//! ([`SEND_SLOT`], [`PLAYER_SLOT`], [`TERMINAL_SLOT`]); the tracer module mounts this
//! component on a node of its own and draws the Send form, the step player (with the
//! inspector and Send 1,000) and the terminal into those slots through portals. It listens to
//! the page through [`bridge::register_tracer`] and tells it the packet to draw.

use std::rc::Rc;

use yew::prelude::*;

use crate::bridge::{self, FromTracer};
use crate::components::player::PlayerPanel;
use crate::components::send::SendPanel;
use crate::components::terminal::Terminal;
use crate::i18n::player::{self as player_words};
use crate::i18n::{self, Lang};
use crate::terminal::TerminalState;
use crate::tracer_state::{Announcement, TracerAction, TracerState};

/// The page's element for the Send form.
pub const SEND_SLOT: &str = "send-slot";
/// The page's element for the step player, inspector and Send 1,000.
pub const PLAYER_SLOT: &str = "player-slot";
/// The page's element for the terminal.
pub const TERMINAL_SLOT: &str = "terminal-slot";

/// Draws `content` into the page's element `id`, or nowhere if the page has none.
fn into_slot(id: &str, content: Html) -> Html {
    match web_sys::window().and_then(|window| window.document()).and_then(|document| document.get_element_by_id(id)) {
        Some(host) => create_portal(content, host),
        None => Html::default(),
    }
}

#[function_component(TracerRoot)]
pub fn tracer_root() -> Html {
    let state = use_reducer(|| TracerState::new(Lang::En));
    let lang = state.lang;

    // Listen to the page, then say so.
    use_effect_with((), {
        let dispatcher = state.dispatcher();
        move |_| {
            bridge::register_tracer(Callback::from(move |message| dispatcher.dispatch(TracerAction::Update(message))));
            bridge::tell_page(FromTracer::Ready);
        }
    });
    // The packet the diagram draws, each time it changes.
    let revision = state.picture.as_ref().map(|picture| picture.revision);
    let packet = state.packet_view();
    use_effect_with((revision, packet), |(revision, packet)| {
        if let Some(revision) = *revision {
            bridge::tell_page(FromTracer::Packet { revision, packet: packet.clone() });
        }
    });

    let terminal_hosts = use_memo(revision, {
        let picture = state.picture.clone();
        move |_| picture.map(|picture| TerminalState::hosts(&picture)).unwrap_or_default()
    });
    let dispatch = |action: fn(String) -> TracerAction| {
        let dispatcher = state.dispatcher();
        Callback::from(move |value: String| dispatcher.dispatch(action(value)))
    };
    let on_clear = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(TracerAction::ClearTerminal))
    };

    let announcement = match &state.announcement {
        Announcement::None => String::new(),
        Announcement::CommandDone { exit_code } => i18n::command_done(lang, *exit_code),
        Announcement::Step { index } => match state.player.steps().get(*index) {
            Some(step) => player_words::step_announcement(lang, *index, state.player.steps().len(), step),
            None => String::new(),
        },
        Announcement::SendFailed => state.send_error.as_ref().map(|error| player_words::send_error(lang, error)).unwrap_or_default(),
        Announcement::Spread { runs } => player_words::spread_done(lang, *runs),
    };

    html! {
        <>
            <div class="sr-only" role="status" aria-live="polite" id="tracer-announcer">{ announcement }</div>
            { into_slot(SEND_SLOT, html! {
                <SendPanel
                    picture={state.picture.clone()}
                    form={state.send.clone()}
                    error={state.send_error.clone()}
                    lang={lang}
                    dispatch={state.dispatcher()}
                />
            }) }
            { into_slot(PLAYER_SLOT, html! {
                <PlayerPanel
                    player={state.player.clone()}
                    spread={state.spread.clone()}
                    lab={state.world.as_ref().map(|world| Rc::clone(&world.lab))}
                    lang={lang}
                    dispatch={state.dispatcher()}
                />
            }) }
            { into_slot(TERMINAL_SLOT, html! {
                <Terminal
                    hosts={terminal_hosts}
                    host={state.terminal.host.clone()}
                    entries={Rc::clone(&state.terminal.entries)}
                    lang={lang}
                    on_host={dispatch(TracerAction::SetTerminalHost)}
                    on_run={dispatch(TracerAction::RunCommand)}
                    on_clear={on_clear}
                />
            }) }
        </>
    }
}

/// The tracer's stylesheet, next to the page (`static/tracer.css`).
pub const STYLESHEET: &str = "static/tracer.css";

/// Mounts the tracer on an element of its own at the end of the page's body (its panels go
/// into the page's slots), once its stylesheet has loaded (or failed to: the panels then
/// work unstyled rather than not at all).
pub fn mount() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let render = move || {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
        let (Ok(root), Some(body)) = (document.create_element("div"), document.body()) else { return };
        root.set_id("tracer-root");
        if body.append_child(&root).is_ok() {
            yew::Renderer::<TracerRoot>::with_root(root).render();
        }
    };
    let link = match (document.create_element("link"), document.head()) {
        (Ok(link), Some(head)) => {
            let _ = link.set_attribute("rel", "stylesheet");
            let _ = link.set_attribute("href", STYLESHEET);
            head.append_child(&link).ok().map(|_| link)
        }
        _ => None,
    };
    let Some(link) = link else {
        render();
        return;
    };
    // Whichever of load and error comes first renders. The two one-shot listeners are left to
    // the browser (forgotten, not dropped): they are tiny and made once.
    let once = Rc::new(std::cell::Cell::new(Some(render)));
    for event in ["load", "error"] {
        let once = Rc::clone(&once);
        gloo::events::EventListener::once(&link, event, move |_| {
            if let Some(render) = once.take() {
                render();
            }
        })
        .forget();
    }
}
