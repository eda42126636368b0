//! The terminal panel: the engine's command shell for any host of the lab.
//!
//! Until the engine's shell is merged it lists the hosts a command could run on and says
//! what is coming; the panel's place on the page and its strings are already final.

use std::rc::Rc;

use yew::prelude::*;

use crate::i18n::{Lang, Msg};
use crate::state::Picture;

#[derive(Properties, Clone)]
pub struct TerminalProps {
    pub picture: Option<Rc<Picture>>,
    pub lang: Lang,
}

impl PartialEq for TerminalProps {
    fn eq(&self, other: &Self) -> bool {
        self.lang == other.lang && self.picture.as_ref().map(|p| p.revision) == other.picture.as_ref().map(|p| p.revision)
    }
}

#[function_component(Terminal)]
pub fn terminal(props: &TerminalProps) -> Html {
    let lang = props.lang;
    let hosts: Vec<String> =
        props.picture.as_ref().map(|picture| picture.hosts.iter().map(|host| host.name.clone()).collect()).unwrap_or_default();
    html! {
        <div class="terminal">
            <label class="terminal-host">
                <span class="label">{ Msg::TerminalHost.text(lang) }</span>
                <select id="terminal-host" disabled=true>
                    { for hosts.iter().map(|host| html! { <option value={host.clone()}>{ host }</option> }) }
                </select>
            </label>
            <p class="terminal-soon">{ Msg::TerminalSoon.text(lang) }</p>
        </div>
    }
}
