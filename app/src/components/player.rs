//! The player panel, like Packet Tracer's simulation panel: the controls, the event list
//! (one row per step, the current one highlighted), the outcome and the HTTP answer at the
//! end, the text transcript, the shares of Send 1,000 and the inspector's place.
//!
//! Everything shown comes from [`crate::player`] (the run and the index); this component
//! only renders, runs the play timer and listens to the keyboard (space, arrows, Home)
//! when the focus is not in a text field.

use std::cell::RefCell;
use std::rc::Rc;

use engine::trace::{Spread, Step};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use crate::anim;
use crate::components::histogram::Histogram;
use crate::components::inspector::Inspector;
use crate::i18n::Lang;
use crate::i18n::player::{self as words, P};
use crate::player::{self as model, Player, Speed};
use crate::tracer_state::{TracerAction as Action, TracerState};

#[derive(Properties, Clone)]
pub struct PlayerProps {
    pub player: Player,
    pub spread: Option<Rc<Spread>>,
    /// The world the run was traced in (the inspector reads its hosts and rules).
    pub lab: Option<Rc<RefCell<engine::shell::Lab>>>,
    pub lang: Lang,
    pub dispatch: UseReducerDispatcher<TracerState>,
}

impl PartialEq for PlayerProps {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.player, &other.player);
        let same_run = match (&a.run, &b.run) {
            (Some(x), Some(y)) => Rc::ptr_eq(x, y),
            (None, None) => true,
            _ => false,
        };
        let same_spread = match (&self.spread, &other.spread) {
            (Some(x), Some(y)) => Rc::ptr_eq(x, y),
            (None, None) => true,
            _ => false,
        };
        let same_lab = match (&self.lab, &other.lab) {
            (Some(x), Some(y)) => Rc::ptr_eq(x, y),
            (None, None) => true,
            _ => false,
        };
        same_run
            && same_spread
            && same_lab
            && a.index == b.index
            && a.playing == b.playing
            && a.speed == b.speed
            && a.key_steps_only == b.key_steps_only
            && self.lang == other.lang
    }
}

/// One row of the event list, worded once per run and language.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    index: usize,
    time: String,
    host: String,
    place: String,
    explain: String,
    tool: String,
    key: bool,
    decisive: bool,
    draw: Option<String>,
}

fn rows(steps: &[Step], lang: Lang) -> Vec<Rc<Row>> {
    steps
        .iter()
        .enumerate()
        .map(|(index, step)| Rc::new(Row {
            index,
            time: step.time.to_string(),
            host: step.host.clone(),
            place: words::place(&step.at),
            explain: words::explain(lang, step),
            tool: step.event.to_string(),
            key: model::is_key(step),
            decisive: model::is_decisive(step),
            draw: model::draw(step).map(|(value, threshold, taken)| words::draw(lang, value, threshold, taken)),
        }))
        .collect()
}

/// The transcript line of a row: one line, as the row reads.
fn transcript_line(row: &Row) -> String {
    // The tool's text can hold a packet's payload lines.
    let tool = row.tool.replace('\n', " ⏎ ");
    format!("{:>4} {} {} [{}] {} | {tool}\n", row.index + 1, row.time, row.host, row.place, row.explain)
}

#[derive(Properties, Clone, PartialEq)]
struct EventRowProps {
    row: Rc<Row>,
    current: bool,
    on_seek: Callback<usize>,
}

/// One row of the event list; re-rendered only when it becomes or stops being current.
#[function_component(EventRow)]
fn event_row(props: &EventRowProps) -> Html {
    let row = &props.row;
    let class = classes!(
        "event",
        props.current.then_some("is-current"),
        row.decisive.then_some("is-decisive"),
        (!row.key).then_some("is-minor")
    );
    let onclick = {
        let (on_seek, index) = (props.on_seek.clone(), row.index);
        Callback::from(move |_: MouseEvent| on_seek.emit(index))
    };
    html! {
        <li class={class} data-index={row.index.to_string()}>
            <button type="button" class="event-row" onclick={onclick} aria-current={props.current.then_some("step")}>
                <span class="ev-index">{ row.index + 1 }</span>
                <span class="ev-head">
                    <span class="ev-time">{ row.time.clone() }</span>
                    <span class="ev-host">{ row.host.clone() }</span>
                    <span class="ev-at">{ row.place.clone() }</span>
                </span>
                <span class="ev-what">{ row.explain.clone() }</span>
                if let Some(draw) = &row.draw {
                    <span class="ev-draw">{ draw.clone() }</span>
                }
                <code class="ev-tool">{ row.tool.clone() }</code>
            </button>
        </li>
    }
}

/// Whether a key press belongs to a text field (or a control that uses it itself).
fn typing_target(event: &KeyboardEvent) -> bool {
    let Some(element) = event.target().and_then(|target| target.dyn_into::<Element>().ok()) else { return false };
    let tag = element.tag_name().to_ascii_uppercase();
    if matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT") {
        return true;
    }
    let editable = element.dyn_ref::<HtmlElement>().is_some_and(|html| html.is_content_editable());
    // Space on a button or a summary clicks it: leave it to the browser.
    editable || (event.key() == " " && matches!(tag.as_str(), "BUTTON" | "SUMMARY"))
}

#[function_component(PlayerPanel)]
pub fn player_panel(props: &PlayerProps) -> Html {
    let lang = props.lang;
    let player = &props.player;
    let dispatch = props.dispatch.clone();
    let run_id = player.run.as_ref().map(|run| run.id);

    // The play timer: one timeout per shown step, as long as the step stays on screen.
    let dwell = player.current().map(|step| anim::dwell_ms(step, player.speed.factor()));
    use_effect_with((run_id, player.index, player.playing, player.speed), {
        let dispatch = dispatch.clone();
        move |(_, _, playing, _)| {
            let timer = match (*playing, dwell) {
                (true, Some(ms)) => Some(Timeout::new(ms.round() as u32, move || dispatch.dispatch(Action::Tick))),
                _ => None,
            };
            move || drop(timer)
        }
    });

    // The keyboard, on the whole page, while there is a run.
    let has_run: Rc<RefCell<bool>> = use_mut_ref(|| false);
    *has_run.borrow_mut() = player.run.is_some();
    use_effect_with((), {
        let dispatch = dispatch.clone();
        let has_run = has_run.clone();
        move |_| {
            let listener = web_sys::window().map(|window| {
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&window, "keydown", options, move |event| {
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else { return };
                    if !*has_run.borrow() || event.ctrl_key() || event.meta_key() || event.alt_key() || typing_target(event) {
                        return;
                    }
                    let action = match event.key().as_str() {
                        " " => Action::TogglePlay,
                        "ArrowRight" => Action::StepForward,
                        "ArrowLeft" => Action::StepBack,
                        "Home" => Action::Restart,
                        _ => return,
                    };
                    event.prevent_default();
                    dispatch.dispatch(action);
                })
            });
            move || drop(listener)
        }
    });

    let on_seek = use_callback(dispatch.clone(), |index: usize, dispatch| dispatch.dispatch(Action::Seek(index)));

    // The rows, worded once per run and language.
    let rows = use_memo((run_id, lang), {
        let run = player.run.clone();
        move |(_, lang)| run.map(|run| rows(&run.steps, *lang)).unwrap_or_default()
    });

    // Keep the current row in view inside the list (not the page).
    let list_ref = use_node_ref();
    use_effect_with((run_id, player.index, player.key_steps_only), {
        let list_ref = list_ref.clone();
        move |(_, index, _)| {
            let Some(list) = list_ref.cast::<HtmlElement>() else { return };
            let row = list.query_selector(&format!("[data-index='{index}']")).ok().flatten();
            let Some(row) = row.and_then(|row| row.dyn_into::<HtmlElement>().ok()) else { return };
            let (top, height) = (row.offset_top(), row.offset_height());
            let (scroll, view) = (list.scroll_top(), list.client_height());
            if top < scroll || top + height > scroll + view {
                list.set_scroll_top((top - view / 2 + height / 2).max(0));
            }
        }
    });

    // What the inspector shows for the current step, once per (run, step).
    let inspection = use_memo((run_id, player.index), {
        let (run, lab) = (player.run.clone(), props.lab.clone());
        move |(_, index)| {
            let (run, lab) = (run?, lab?);
            let lab = lab.try_borrow().ok()?;
            (*index < run.steps.len()).then(|| Rc::new(crate::inspector::inspect(lab.net(), &run.before, &run.trace, *index)))
        }
    });

    let Some(run) = player.run.clone() else {
        return html! {
            <div class="player" id="player">
                <p class="empty" id="player-empty">{ P::NoTrace.text(lang) }</p>
                { spread_view(props.spread.as_ref(), lang) }
            </div>
        };
    };
    let total = run.steps.len();
    let index = player.index;
    let at_end = player.at_end();

    let send = |action: fn() -> Action| {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action()))
    };
    let on_speed = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            if let Some(speed) = Speed::from_id(&select.value()) {
                dispatch.dispatch(Action::SetSpeed(speed));
            }
        })
    };
    let on_filter = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            dispatch.dispatch(Action::SetKeyStepsOnly(input.checked()));
        })
    };
    let transcript: String = rows
        .iter()
        .take(index.saturating_add(1))
        .filter(|row| player.shown(row.index))
        .map(|row| transcript_line(row))
        .collect();

    html! {
        <div class="player" id="player">
            <p class="player-request"><code>{ format!("{}$ curl {}", run.from, run.url) }</code></p>
            <div class="player-controls" role="toolbar" aria-label={P::Events.text(lang)}>
                <button type="button" id="player-restart" onclick={send(|| Action::Restart)} title={format!("{} (Home)", P::Restart.text(lang))}>{ "↺ " }{ P::Restart.text(lang) }</button>
                <button type="button" id="player-back" onclick={send(|| Action::StepBack)} disabled={index == 0} title={format!("{} (←)", P::StepBack.text(lang))}>{ "◀ " }{ P::StepBack.text(lang) }</button>
                if player.playing {
                    <button type="button" id="player-play" class="primary" onclick={send(|| Action::Pause)} title={format!("{} (Space)", P::Pause.text(lang))}>{ "❚❚ " }{ P::Pause.text(lang) }</button>
                } else {
                    <button type="button" id="player-play" class="primary" onclick={send(|| Action::Play)} title={format!("{} (Space)", P::Play.text(lang))}>{ "▶ " }{ P::Play.text(lang) }</button>
                }
                <button type="button" id="player-forward" onclick={send(|| Action::StepForward)} disabled={at_end} title={format!("{} (→)", P::StepForward.text(lang))}>{ P::StepForward.text(lang) }{ " ▶" }</button>
                <label class="player-speed">
                    <span class="label">{ P::Speed.text(lang) }</span>
                    <select id="player-speed" onchange={on_speed}>
                        { for Speed::ALL.iter().map(|speed| html! {
                            <option value={speed.id()} selected={*speed == player.speed}>{ speed.label() }</option>
                        }) }
                    </select>
                </label>
                <label class="player-filter">
                    <input type="checkbox" id="player-key-steps" checked={player.key_steps_only} onchange={on_filter} />
                    { " " }{ P::KeyStepsOnly.text(lang) }
                </label>
                <span class="player-position" id="player-position">{ words::step_of(lang, index, total) }</span>
            </div>
            <p class="player-hint">{ P::PlayerHint.text(lang) }</p>
            <div class="player-body">
                <ol class="events" id="events" ref={list_ref} aria-label={P::EventsLabel.text(lang)}>
                    { for rows.iter().filter(|row| player.shown(row.index)).map(|row| html! {
                        <EventRow key={row.index} row={Rc::clone(row)} current={row.index == index} on_seek={on_seek.clone()} />
                    }) }
                </ol>
                <aside class="player-side">
                    if at_end {
                        <section class="outcome" id="outcome" aria-labelledby="outcome-title">
                            <h3 id="outcome-title">{ P::Outcome.text(lang) }</h3>
                            <p class={classes!("outcome-text", outcome_class(&run.trace.outcome))}>{ words::outcome(lang, &run.trace.outcome) }</p>
                            if let Some(exchange) = &run.trace.exchange {
                                <h3>{ P::Answer.text(lang) }</h3>
                                <pre class="answer" id="answer">{ format!("{}\n{}", exchange.status_line(), exchange.response.body) }</pre>
                            }
                        </section>
                    }
                    <section class="inspector-slot" id="inspector-slot" aria-label={P::Inspector.text(lang)}>
                        if let Some(inspection) = inspection.as_ref() {
                            <Inspector inspection={Rc::clone(inspection)} lang={lang} />
                        } else {
                            <p class="empty">{ P::InspectorPending.text(lang) }</p>
                        }
                    </section>
                </aside>
            </div>
            <details class="transcript">
                <summary>{ P::Transcript.text(lang) }</summary>
                <pre id="transcript">{ transcript }</pre>
            </details>
            { spread_view(props.spread.as_ref(), lang) }
        </div>
    }
}

fn outcome_class(outcome: &engine::trace::Outcome) -> &'static str {
    match outcome {
        engine::trace::Outcome::Answered { .. } => "is-answered",
        _ => "is-failed",
    }
}

/// The shares of Send 1,000: the histogram (exact odds against the counts).
fn spread_view(spread: Option<&Rc<Spread>>, lang: Lang) -> Html {
    let Some(spread) = spread else { return Html::default() };
    html! {
        <section class="spread" id="spread" aria-labelledby="spread-title">
            <h3 id="spread-title">{ P::SpreadTitle.text(lang) }</h3>
            <Histogram spread={Rc::clone(spread)} lang={lang} />
        </section>
    }
}
