//! The list of the engine's diagnostics under the editor. Each entry with a position is a
//! button that moves the editor's caret to it; what the lab assumed (info diagnostics) is
//! folded away in a `<details>`.

use std::rc::Rc;

use engine::diagnostic::{Diagnostic, Severity};
use yew::prelude::*;

use crate::i18n::problems::problem_text;
use crate::i18n::{self, Lang, Msg};
use crate::analysis::Analysis;

#[derive(Properties, Clone)]
pub struct DiagnosticsProps {
    pub analysis: Rc<Analysis>,
    pub lang: Lang,
    /// Typing has not been analysed yet.
    pub pending: bool,
    pub on_jump: Callback<(usize, usize)>,
}

impl PartialEq for DiagnosticsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.analysis, &other.analysis) && self.lang == other.lang && self.pending == other.pending
    }
}

/// The most entries listed per group (the rest are counted in the summary).
const MAX_LISTED: usize = 200;

#[function_component(Diagnostics)]
pub fn diagnostics(props: &DiagnosticsProps) -> Html {
    let lang = props.lang;
    let analysis = &props.analysis;
    let problems: Vec<&Diagnostic> =
        analysis.diagnostics.iter().filter(|d| d.severity != Severity::Info).take(MAX_LISTED).collect();
    let notes: Vec<&Diagnostic> =
        analysis.diagnostics.iter().filter(|d| d.severity == Severity::Info).take(MAX_LISTED).collect();
    let summary = if analysis.errors == 0 && analysis.warnings == 0 {
        Msg::NoProblems.text(lang).to_string()
    } else {
        i18n::problem_counts(lang, analysis.errors, analysis.warnings)
    };
    let item = |diagnostic: &Diagnostic| entry(diagnostic, lang, &props.on_jump);
    html! {
        <div class="diagnostics">
            <p id="diagnostics-summary" class={classes!("summary", (analysis.errors > 0).then_some("has-errors"))}>
                { summary }
                if props.pending { <span class="pending">{ " · " }{ Msg::Analysing.text(lang) }</span> }
            </p>
            if !problems.is_empty() {
                <ul class="problems" id="problems">{ for problems.into_iter().map(item) }</ul>
            }
            if !notes.is_empty() {
                <details class="notes">
                    <summary>{ Msg::Notes.text(lang) }{ format!(" ({})", notes.len()) }</summary>
                    <ul>{ for notes.into_iter().map(item) }</ul>
                </details>
            }
        </div>
    }
}

fn entry(diagnostic: &Diagnostic, lang: Lang, on_jump: &Callback<(usize, usize)>) -> Html {
    let (class, label) = match diagnostic.severity {
        Severity::Error => ("diag-error", Msg::Error),
        Severity::Warning => ("diag-warning", Msg::Warning),
        Severity::Info => ("diag-info", Msg::Note),
    };
    let mut detail = String::new();
    match (diagnostic.path.is_empty(), &diagnostic.object) {
        (false, Some(object)) => detail = format!("{} · {object}", diagnostic.path),
        (false, None) => detail.clone_from(&diagnostic.path),
        (true, Some(object)) => detail.clone_from(object),
        (true, None) => {}
    }
    let body = html! {
        <>
            <span class="severity">{ label.text(lang) }</span>
            if let Some(position) = diagnostic.position {
                <span class="where">{ i18n::line_column(lang, position.line, position.column) }</span>
            }
            <span class="message">{ problem_text(&diagnostic.problem, lang) }</span>
            if !detail.is_empty() { <code class="detail">{ detail }</code> }
        </>
    };
    match diagnostic.position {
        Some(position) => {
            let on_jump = on_jump.clone();
            let (line, column) = (position.line, position.column);
            let onclick = Callback::from(move |_: MouseEvent| on_jump.emit((line, column)));
            html! {
                <li class={class} data-line={line.to_string()}>
                    <button type="button" class="jump" {onclick}>{ body }</button>
                </li>
            }
        }
        None => html! { <li class={class}>{ body }</li> },
    }
}
