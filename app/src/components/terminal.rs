//! The terminal panel: pick a host, type a command, read what the engine's shell printed.
//!
//! The output is shown exactly as the tools print it (never translated); the prompt is
//! `HOST$ COMMAND`. Up and Down recall earlier commands, as in a shell.

use std::rc::Rc;

use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::i18n::{Lang, Msg};
use crate::terminal::Entry;

#[derive(Properties, Clone)]
pub struct TerminalProps {
    pub hosts: Rc<Vec<String>>,
    pub host: String,
    pub entries: Rc<Vec<Entry>>,
    pub lang: Lang,
    pub on_host: Callback<String>,
    pub on_run: Callback<String>,
    pub on_clear: Callback<()>,
}

impl PartialEq for TerminalProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.hosts, &other.hosts)
            && self.host == other.host
            && Rc::ptr_eq(&self.entries, &other.entries)
            && self.lang == other.lang
    }
}

#[function_component(Terminal)]
pub fn terminal(props: &TerminalProps) -> Html {
    let lang = props.lang;
    let input_ref = use_node_ref();
    let output_ref = use_node_ref();
    // How far back Up has gone in the command history (0 = the line being typed).
    let recall = use_mut_ref(|| 0usize);

    // Keep the newest output in view.
    use_effect_with(props.entries.len(), {
        let output_ref = output_ref.clone();
        move |_| {
            if let Some(output) = output_ref.cast::<HtmlElement>() {
                output.set_scroll_top(output.scroll_height());
            }
        }
    });

    let on_submit = {
        let (input_ref, on_run, recall) = (input_ref.clone(), props.on_run.clone(), recall.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let Some(input) = input_ref.cast::<HtmlInputElement>() {
                on_run.emit(input.value());
                input.set_value("");
                *recall.borrow_mut() = 0;
            }
        })
    };
    let on_keydown = {
        let (input_ref, entries, recall) = (input_ref.clone(), props.entries.clone(), recall.clone());
        Callback::from(move |event: KeyboardEvent| {
            let up = match event.key().as_str() {
                "ArrowUp" => true,
                "ArrowDown" => false,
                _ => return,
            };
            let Some(input) = input_ref.cast::<HtmlInputElement>() else { return };
            event.prevent_default();
            let mut back = recall.borrow_mut();
            *back = if up { (*back + 1).min(entries.len()) } else { back.saturating_sub(1) };
            let text = entries.len().checked_sub(*back).filter(|_| *back > 0).and_then(|i| entries.get(i));
            input.set_value(text.map_or("", |entry| entry.command.as_str()));
        })
    };
    let on_host = {
        let on_host = props.on_host.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            on_host.emit(select.value());
        })
    };
    let on_clear = props.on_clear.reform(|_: MouseEvent| ());

    html! {
        <div class="terminal">
            <p class="terminal-hint">{ Msg::TerminalHint.text(lang) }</p>
            <pre class="terminal-output" id="terminal-output" ref={output_ref} tabindex="0"
                aria-label={Msg::TerminalOutput.text(lang)}>
                { for props.entries.iter().map(|entry| html! {
                    <>
                        <span class="prompt">{ format!("{}$ ", entry.host) }</span>
                        <span class="command">{ format!("{}\n", entry.command) }</span>
                        { entry.output.stdout.clone() }
                        if !entry.output.stderr.is_empty() {
                            <span class="stderr">{ entry.output.stderr.clone() }</span>
                        }
                        if entry.truncated { <span class="stderr">{ "[…]\n" }</span> }
                    </>
                }) }
            </pre>
            <form class="terminal-line" onsubmit={on_submit}>
                <label class="terminal-host">
                    <span class="sr-only">{ Msg::TerminalHost.text(lang) }</span>
                    <select id="terminal-host" onchange={on_host}>
                        { for props.hosts.iter().map(|host| html! {
                            <option value={host.clone()} selected={*host == props.host}>{ host }</option>
                        }) }
                    </select>
                </label>
                <span class="prompt-sign" aria-hidden="true">{ "$" }</span>
                <input id="terminal-input" ref={input_ref} type="text" class="terminal-input"
                    aria-label={Msg::TerminalCommand.text(lang)} autocomplete="off" autocapitalize="off"
                    spellcheck="false" onkeydown={on_keydown} />
                <button type="submit" id="terminal-run">{ Msg::Run.text(lang) }</button>
                <button type="button" id="terminal-clear" onclick={on_clear}>{ Msg::Clear.text(lang) }</button>
            </form>
        </div>
    }
}
