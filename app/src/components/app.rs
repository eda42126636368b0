//! The page: header, editor with its diagnostics, the topology diagram, and the places of the
//! tracer's panels (Send, events and inspector, terminal).
//!
//! Owns the store (`use_reducer`) and the effects that need the browser: restoring and
//! saving the text and language, debouncing the engine while the user types, measuring the
//! diagram's width, and loading and talking to the tracer module ([`crate::bridge`]) the first
//! time the reader reaches for one of its panels. Everything it decides comes from
//! [`crate::state`].

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::browser;
use crate::components::diagnostics::Diagnostics;
use crate::components::editor::Editor;
use crate::bridge;
use crate::components::lb_notes::LbNotes;
use crate::components::topology::Topology;
use crate::components::tracer::{PLAYER_SLOT, SEND_SLOT, TERMINAL_SLOT};
use crate::examples::Example;
use crate::i18n::player::P;
use crate::i18n::tracer::T;
use crate::i18n::{self, Lang, Msg};
use crate::state::{Action, Announcement, AppState, Tracer};
use crate::storage;

/// How long typing must pause before the engine runs (milliseconds). Parsing and building
/// the default scenario takes well under a frame, but a pasted 1,000-Service manifest takes
/// longer, and keystrokes must never wait for it.
pub const DEBOUNCE_MS: u32 = 150;

/// The first state: the stored text if it is usable, else the default example; the stored
/// language, else the browser's.
fn initial_state() -> AppState {
    let (text, restored_badly) = match storage::restore_text(browser::load(storage::TEXT_KEY)) {
        Ok(Some(text)) => (text, false),
        Ok(None) => (Example::default_text().to_string(), false),
        Err(_) => (Example::default_text().to_string(), true),
    };
    let lang = storage::restore_lang(browser::load(storage::LANG_KEY))
        .unwrap_or_else(|| Lang::from_tag(&browser::browser_language().unwrap_or_default()));
    AppState::new(text, lang, restored_badly)
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    let lang = state.lang;

    // Save the text each time the engine has read it (not on every keystroke).
    use_effect_with((state.revision, state.text.len()), {
        let state = state.clone();
        move |_| {
            if !state.pending && storage::storable(&state.text) {
                browser::save(storage::TEXT_KEY, &state.text);
            }
        }
    });
    use_effect_with(lang, |lang| {
        browser::set_document_lang(lang.tag());
    });

    // Debounce: each keystroke updates the text at once and restarts the timer that runs the engine.
    let timer: Rc<RefCell<Option<Timeout>>> = use_mut_ref(|| None);
    let on_input = {
        let state = state.clone();
        let timer = timer.clone();
        Callback::from(move |text: Rc<str>| {
            state.dispatch(Action::Edit(text));
            let state = state.clone();
            *timer.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || state.dispatch(Action::Analyse)));
        })
    };
    let dispatch = |action: fn() -> Action| {
        let state = state.clone();
        let timer = timer.clone();
        Callback::from(move |()| {
            timer.borrow_mut().take();
            state.dispatch(action());
        })
    };
    let on_undo = dispatch(|| Action::Undo);
    let on_redo = dispatch(|| Action::Redo);
    let on_jump = {
        let state = state.clone();
        Callback::from(move |(line, column): (usize, usize)| state.dispatch(Action::JumpTo { line, column }))
    };
    let on_example = {
        let state = state.clone();
        let timer = timer.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            if let Some(example) = Example::from_id(&select.value()) {
                timer.borrow_mut().take();
                let dispatcher = state.dispatcher();
                wasm_bindgen_futures::spawn_local(async move {
                    match browser::fetch_text(&example.path()).await {
                        Some(text) => dispatcher.dispatch(Action::ExampleArrived(text)),
                        None => dispatcher.dispatch(Action::ExampleFailed(example)),
                    }
                });
            }
            // The menu is a command, not a setting: show its title again.
            select.set_value("");
        })
    };
    let on_lang = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            if let Some(lang) = storage::restore_lang(Some(select.value())) {
                browser::save(storage::LANG_KEY, lang.tag());
                state.dispatch(Action::SetLang(lang));
            }
        })
    };

    // The diagram's width follows its container.
    let diagram_ref = use_node_ref();
    use_effect_with((), {
        let state = state.clone();
        let diagram_ref = diagram_ref.clone();
        move |_| {
            let measure = move || {
                if let Some(element) = diagram_ref.cast::<web_sys::Element>() {
                    state.dispatch(Action::Resize(f64::from(element.client_width())));
                }
            };
            measure();
            let listener = web_sys::window().map(|window| EventListener::new(&window, "resize", move |_| measure()));
            move || drop(listener)
        }
    });

    // The tracer module: the page hears from it (in this module or through the loaded one),
    // loads it when asked, and tells it about every new picture and language once it is ready.
    use_effect_with((), {
        let dispatcher = state.dispatcher();
        move |_| bridge::register_page(Callback::from(move |message| dispatcher.dispatch(Action::FromTracer(message))))
    });
    use_effect_with(state.tracer == Tracer::Loading, {
        let dispatcher = state.dispatcher();
        move |loading| {
            if *loading && !bridge::tracer_is_local() {
                let on_failed = {
                    let dispatcher = dispatcher.clone();
                    Callback::from(move |why: String| dispatcher.dispatch(Action::TracerFailed(why)))
                };
                bridge::load_tracer(Callback::from(move |message| dispatcher.dispatch(Action::FromTracer(message))), on_failed);
            }
        }
    });
    use_effect_with((state.tracer == Tracer::Ready, state.to_tracer()), |(ready, message)| {
        if let (true, Some(message)) = (*ready, message) {
            bridge::tell_tracer(message);
        }
    });
    let want_tracer = {
        let dispatcher = state.dispatcher();
        move || dispatcher.dispatch(Action::WantTracer)
    };
    let tracer_ready = state.tracer == Tracer::Ready;
    // Pointing at, touching or tabbing into a tracer panel loads the tracer.
    let on_reach = {
        let want = want_tracer.clone();
        Callback::from(move |_: ()| want())
    };
    let placeholder = |first: bool| -> Html {
        if tracer_ready {
            return Html::default();
        }
        let load = {
            let want = want_tracer.clone();
            Callback::from(move |_: MouseEvent| want())
        };
        match &state.tracer {
            Tracer::Loading => html! { <p class="tracer-wait" role="status">{ T::Loading.text(lang) }</p> },
            Tracer::Failed(why) => html! {
                <p class="tracer-wait tracer-failed" role="alert">
                    { T::Failed.text(lang) }{ " " }<code>{ why.clone() }</code>{ " " }
                    <button type="button" class="tracer-load" onclick={load}>{ T::Retry.text(lang) }</button>
                </p>
            },
            _ if first => html! {
                <p class="tracer-wait">
                    { T::Idle.text(lang) }{ " " }
                    <button type="button" class="tracer-load" id="tracer-load" onclick={load}>{ T::Load.text(lang) }</button>
                </p>
            },
            _ => html! { <p class="tracer-wait">{ T::Idle.text(lang) }</p> },
        }
    };

    let announcement = match &state.announcement {
        Announcement::None => String::new(),
        Announcement::Updated { nodes, pods, services } => i18n::cluster_updated(lang, *nodes, *pods, *services),
        Announcement::Errors { errors, first_line } => i18n::text_has_errors(lang, *errors, *first_line),
        Announcement::StorageIgnored => Msg::StorageIgnored.text(lang).to_string(),
        Announcement::ExampleFailed(example) => i18n::example_failed(lang, i18n::examples::title(*example, lang)),
    };

    html! {
        <div class="page">
            <header class="masthead">
                <div class="brand">
                    <h1>{ Msg::Title.text(lang) }</h1>
                    <p class="tagline">{ Msg::Tagline.text(lang) }</p>
                </div>
                <label class="lang-picker">
                    <span class="label">{ Msg::Language.text(lang) }</span>
                    <select id="lang" onchange={on_lang}>
                        { for Lang::ALL.iter().map(|option| html! {
                            <option value={option.tag()} selected={*option == lang}>{ option.name() }</option>
                        }) }
                    </select>
                </label>
            </header>
            <div class="sr-only" role="status" aria-live="polite" id="announcer">{ announcement }</div>
            <main class="workspace">
                <section class="panel editor-panel" aria-labelledby="manifests-title">
                    <div class="panel-bar">
                        <h2 id="manifests-title">{ Msg::Manifests.text(lang) }</h2>
                        <div class="tools">
                            <select id="examples" aria-label={Msg::Examples.text(lang)} onchange={on_example}>
                                <option value="" selected=true>{ Msg::Examples.text(lang) }</option>
                                { for Example::ALL.iter().map(|example| html! {
                                    <option value={example.id()} title={i18n::examples::description(*example, lang)}>
                                        { i18n::examples::title(*example, lang) }
                                    </option>
                                }) }
                            </select>
                            <button id="undo" type="button" onclick={on_undo.reform(|_: MouseEvent| ())}
                                disabled={!state.history.can_undo() && !state.pending}
                                title={format!("{} (Ctrl+Z)", Msg::Undo.text(lang))}>{ Msg::Undo.text(lang) }</button>
                            <button id="redo" type="button" onclick={on_redo.reform(|_: MouseEvent| ())}
                                disabled={!state.history.can_redo() || state.pending}
                                title={format!("{} (Ctrl+Shift+Z)", Msg::Redo.text(lang))}>{ Msg::Redo.text(lang) }</button>
                        </div>
                    </div>
                    if let Announcement::ExampleFailed(example) = &state.announcement {
                        <p class="stale" role="note">{ i18n::example_failed(lang, i18n::examples::title(*example, lang)) }</p>
                    }
                    if let Some(example) = Example::showing(&state.text) {
                        <p class="example-about" id="example-about" data-example={example.id()}>
                            <strong>{ i18n::examples::title(example, lang) }</strong>{ " — " }
                            { i18n::examples::description(example, lang) }
                        </p>
                    }
                    <Editor
                        text={state.text.clone()}
                        lang={lang}
                        analysis={state.analysis.clone()}
                        jump={state.jump}
                        on_input={on_input}
                        on_undo={on_undo}
                        on_redo={on_redo}
                    />
                    <Diagnostics analysis={state.analysis.clone()} lang={lang} pending={state.pending} on_jump={on_jump} />
                </section>
                <section class="panel topology-panel" aria-labelledby="topology-title">
                    <div class="panel-bar">
                        <h2 id="topology-title">{ Msg::Topology.text(lang) }</h2>
                    </div>
                    if state.picture_is_stale {
                        <p class="stale" id="stale-note" role="note">{ Msg::StaleDiagram.text(lang) }</p>
                    }
                    <div class="diagram-box" ref={diagram_ref}>
                        <Topology picture={state.picture.clone()} stale={state.picture_is_stale} lang={lang} width={state.width} packet={state.packet.clone()} />
                    </div>
                    <LbNotes picture={state.picture.clone()} lang={lang} />
                </section>
                <section class="panel send-panel" aria-labelledby="send-title"
                    onpointerover={on_reach.reform(|_: PointerEvent| ())}
                    onfocusin={on_reach.reform(|_: FocusEvent| ())}
                    ontouchstart={on_reach.reform(|_: TouchEvent| ())}>
                    <div class="panel-bar">
                        <h2 id="send-title">{ P::SendTitle.text(lang) }</h2>
                    </div>
                    { placeholder(true) }
                    <div class="tracer-slot" id={SEND_SLOT}></div>
                </section>
                <section class="panel player-panel" aria-labelledby="player-title"
                    onpointerover={on_reach.reform(|_: PointerEvent| ())}
                    onfocusin={on_reach.reform(|_: FocusEvent| ())}
                    ontouchstart={on_reach.reform(|_: TouchEvent| ())}>
                    <div class="panel-bar">
                        <h2 id="player-title">{ P::Events.text(lang) }</h2>
                    </div>
                    { placeholder(false) }
                    <div class="tracer-slot" id={PLAYER_SLOT}></div>
                </section>
                <section class="panel terminal-panel" aria-labelledby="terminal-title"
                    onpointerover={on_reach.reform(|_: PointerEvent| ())}
                    onfocusin={on_reach.reform(|_: FocusEvent| ())}
                    ontouchstart={on_reach.reform(|_: TouchEvent| ())}>
                    <div class="panel-bar">
                        <h2 id="terminal-title">{ Msg::Terminal.text(lang) }</h2>
                    </div>
                    { placeholder(false) }
                    <div class="tracer-slot" id={TERMINAL_SLOT}></div>
                </section>
            </main>
        </div>
    }
}
