//! The Send form: source, destination kind, the destination itself, path and Host header,
//! the URL that will be sent, and the Send and Send 1,000 buttons.
//!
//! The choices come from [`crate::send`] on the picture's cluster; every change is a
//! [`SendEdit`] for the store. The component decides nothing.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::i18n::Lang;
use crate::i18n::player::{self as words, P};
use crate::send::{self, Kind, SendError, SendForm};
use crate::analysis::Picture;
use crate::tracer_state::{SendEdit, TracerAction as Action, TracerState};

#[derive(Properties, Clone)]
pub struct SendProps {
    pub picture: Option<Rc<Picture>>,
    pub form: SendForm,
    pub error: Option<SendError>,
    pub lang: Lang,
    pub dispatch: UseReducerDispatcher<TracerState>,
}

impl PartialEq for SendProps {
    fn eq(&self, other: &Self) -> bool {
        let same_picture = match (&self.picture, &other.picture) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_picture && self.form == other.form && self.error == other.error && self.lang == other.lang
    }
}

fn on_select(dispatch: &UseReducerDispatcher<TracerState>, edit: fn(String) -> SendEdit) -> Callback<Event> {
    let dispatch = dispatch.clone();
    Callback::from(move |event: Event| {
        let select: HtmlSelectElement = event.target_unchecked_into();
        dispatch.dispatch(Action::EditSend(edit(select.value())));
    })
}

fn on_text(dispatch: &UseReducerDispatcher<TracerState>, edit: fn(String) -> SendEdit) -> Callback<InputEvent> {
    let dispatch = dispatch.clone();
    Callback::from(move |event: InputEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        dispatch.dispatch(Action::EditSend(edit(input.value())));
    })
}

#[function_component(SendPanel)]
pub fn send_panel(props: &SendProps) -> Html {
    let lang = props.lang;
    let form = &props.form;
    let revision = props.picture.as_ref().map(|picture| picture.revision);
    let lists = use_memo((revision, form.kind), {
        let picture = props.picture.clone();
        move |(_, kind)| {
            picture.map(|picture| {
                let cluster = &picture.cluster;
                (engine::shell::host::known_hosts(cluster), send::choices(cluster, *kind), send::nodes(cluster))
            })
        }
    });
    let Some(picture) = props.picture.as_ref() else { return Html::default() };
    let Some((hosts, choices, nodes)) = lists.as_ref() else { return Html::default() };
    let preview = form.compose(&picture.cluster);

    let dispatch = &props.dispatch;
    let on_from = on_select(dispatch, SendEdit::From);
    let on_kind = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            if let Some(kind) = Kind::from_id(&select.value()) {
                dispatch.dispatch(Action::EditSend(SendEdit::Kind(kind)));
            }
        })
    };
    let on_choice = on_select(dispatch, SendEdit::Choice);
    let on_node = on_select(dispatch, SendEdit::Node);
    let on_path = on_text(dispatch, SendEdit::Path);
    let on_host = on_text(dispatch, SendEdit::HostHeader);
    let on_url = on_text(dispatch, SendEdit::Url);
    let on_submit = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            dispatch.dispatch(Action::Send);
        })
    };
    let on_many = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SendMany))
    };

    // Show the outer pods grouped by namespace in the source picker.
    let (machines, pods): (Vec<&String>, Vec<&String>) = hosts.iter().partition(|host| !host.contains('/'));
    let mut namespaces: Vec<&str> = pods.iter().filter_map(|pod| pod.split_once('/').map(|(ns, _)| ns)).collect();
    namespaces.dedup();

    html! {
        <form class="send-form" id="send-form" onsubmit={on_submit} aria-labelledby="send-title">
            <div class="send-grid">
                <label>
                    <span class="label">{ P::From.text(lang) }</span>
                    <select id="send-from" onchange={on_from}>
                        { for machines.iter().map(|host| html! {
                            <option value={(*host).clone()} selected={**host == form.from}>{ (*host).clone() }</option>
                        }) }
                        { for namespaces.iter().map(|namespace| html! {
                            <optgroup label={format!("{namespace}/")}>
                                { for pods.iter().filter(|pod| pod.split_once('/').is_some_and(|(ns, _)| ns == *namespace)).map(|pod| html! {
                                    <option value={(*pod).clone()} selected={**pod == form.from}>{ (*pod).clone() }</option>
                                }) }
                            </optgroup>
                        }) }
                    </select>
                </label>
                <label>
                    <span class="label">{ P::Destination.text(lang) }</span>
                    <select id="send-kind" onchange={on_kind}>
                        { for Kind::ALL.iter().map(|kind| html! {
                            <option value={kind.id()} selected={*kind == form.kind}>{ words::kind(lang, *kind) }</option>
                        }) }
                    </select>
                </label>
                if form.kind == Kind::Url {
                    <label class="wide">
                        <span class="label">{ P::UrlLabel.text(lang) }</span>
                        <input id="send-url" type="text" value={form.url.clone()} oninput={on_url}
                            placeholder="http://172.16.120.63:31000/" autocomplete="off" autocapitalize="off" spellcheck="false" />
                    </label>
                } else {
                    <label class="wide">
                        <span class="label">{ P::Target.text(lang) }</span>
                        <select id="send-choice" onchange={on_choice} disabled={choices.is_empty()}>
                            if choices.is_empty() {
                                <option value="">{ P::NoChoice.text(lang) }</option>
                            }
                            { for choices.iter().map(|choice| html! {
                                <option value={choice.key.clone()} selected={choice.key == form.choice}>{ choice.label.clone() }</option>
                            }) }
                        </select>
                    </label>
                    if form.kind == Kind::NodePort {
                        <label>
                            <span class="label">{ P::OnNode.text(lang) }</span>
                            <select id="send-node" onchange={on_node}>
                                { for nodes.iter().map(|(name, ip)| html! {
                                    <option value={name.clone()} selected={*name == form.node}>{ format!("{name} {ip}") }</option>
                                }) }
                            </select>
                        </label>
                    }
                    <label>
                        <span class="label">{ P::Path.text(lang) }</span>
                        <input id="send-path" type="text" value={form.path.clone()} oninput={on_path}
                            autocomplete="off" autocapitalize="off" spellcheck="false" />
                    </label>
                }
                <label>
                    <span class="label">{ P::HostHeader.text(lang) }</span>
                    <input id="send-host" type="text" value={form.host_header.clone()} oninput={on_host}
                        placeholder={P::HostHeaderPlaceholder.text(lang)} autocomplete="off" autocapitalize="off" spellcheck="false" />
                </label>
            </div>
            <p class="send-preview">
                <span class="label">{ P::WillSend.text(lang) }</span>{ " " }
                <code id="send-url-preview">{
                    match &preview {
                        Ok(url) => format!("{}$ curl{} {url}", form.from, host_flag(form)),
                        Err(_) => "—".to_string(),
                    }
                }</code>
            </p>
            if let Some(error) = &props.error {
                <p class="send-error" id="send-error" role="alert">{ words::send_error(lang, error) }</p>
            }
            <div class="send-buttons">
                <button type="submit" id="send" class="primary">{ P::Send.text(lang) }</button>
                <button type="button" id="send-many" onclick={on_many}>{ P::Send1000.text(lang) }</button>
            </div>
        </form>
    }
}

/// ` -H 'Host: NAME'` when a Host header was typed.
fn host_flag(form: &SendForm) -> String {
    let host = form.host_header.trim();
    if host.is_empty() { String::new() } else { format!(" -H 'Host: {host}'") }
}
