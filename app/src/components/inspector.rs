//! The Inspector panel: renders one [`Inspection`] (built by [`crate::inspector::inspect`])
//! for the step the player is on. It decides nothing; the only effect scrolls the
//! highlighted `iptables-save` line into view.
//!
//! Changed header fields carry a symbol and a word for screen readers as well as a colour.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::i18n::inspector::{Text, explain, no_rules, step_of};
use crate::inspector::{
    Change, Check, ConntrackView, FieldRow, HeaderSection, Headers, Inspection, Layer, RoutesView, RulesPanel,
    RulesView,
};

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub inspection: Rc<Inspection>,
    pub lang: Lang,
}

#[function_component(Inspector)]
pub fn inspector(props: &InspectorProps) -> Html {
    let lang = props.lang;
    let inspection = &props.inspection;
    let root_ref = use_node_ref();
    let highlight = match &inspection.rules {
        RulesPanel::Table(view) => view.highlight,
        _ => None,
    };
    // Scroll the deciding rule to the middle of the save text and of the walked rules (each
    // box is its rows' offset parent).
    use_effect_with((inspection.index, highlight), {
        let root_ref = root_ref.clone();
        move |_: &(usize, Option<usize>)| {
            let Some(root) = root_ref.cast::<HtmlElement>() else { return };
            for selector in [".inspector-save", ".inspector-walk"] {
                let Some(list) = root.query_selector(selector).ok().flatten() else { continue };
                let Some(row) = list.query_selector(".hl").ok().flatten() else { continue };
                let (list, row): (HtmlElement, HtmlElement) = (list.unchecked_into(), row.unchecked_into());
                let top = row.offset_top().saturating_sub(list.client_height() / 2);
                list.set_scroll_top(top.max(0));
            }
        }
    });

    let Some(step) = &inspection.step else {
        return html! {
            <section class="inspector" id="inspector" aria-label={Text::Inspector.text(lang)}>
                <p class="inspector-empty">{ Text::NoStep.text(lang) }</p>
            </section>
        };
    };
    html! {
        <section class="inspector" id="inspector" ref={root_ref} aria-label={Text::Inspector.text(lang)}>
            <header class="inspector-head">
                <span class="inspector-count">{ step_of(lang, inspection.index, inspection.total) }</span>
                <code class="inspector-where">{ format!("{} {} {}", step.time, step.host, step.at) }</code>
                <code class="inspector-line">{ &step.line }</code>
            </header>
            <section class="inspector-explain">
                <h3>{ Text::WhatHappens.text(lang) }</h3>
                <p>{ explain(step.kind, lang) }</p>
            </section>
            { headers(inspection.headers.as_ref(), lang) }
            { rules(&inspection.rules, lang) }
            { inspection.routes.as_ref().map(|routes| routes_view(routes, lang)).unwrap_or_default() }
            { inspection.conntrack.as_ref().map(|table| conntrack(table, lang)).unwrap_or_default() }
            { draws(inspection, lang) }
        </section>
    }
}

fn headers(headers: Option<&Headers>, lang: Lang) -> Html {
    let Some(headers) = headers else {
        return html! {
            <section class="inspector-headers">
                <h3>{ Text::Headers.text(lang) }</h3>
                <p class="inspector-note">{ Text::NoPacket.text(lang) }</p>
            </section>
        };
    };
    // The outer header's section holds the inner one, as the packet does.
    let (outer, rest): (Vec<&HeaderSection>, Vec<&HeaderSection>) =
        headers.sections.iter().partition(|section| section.layer == Layer::Outer);
    let body = match outer.first() {
        Some(outer) => html! {
            <div class="hdr-box hdr-outer" data-layer="outer">
                <h4>{ Text::Outer.text(lang) }</h4>
                { header_table(outer, headers.before_after, lang) }
                { for rest.iter().map(|inner| html! {
                    <div class="hdr-box hdr-inner" data-layer="inner">
                        <h4>{ Text::Inner.text(lang) }</h4>
                        { header_table(inner, headers.before_after, lang) }
                    </div>
                }) }
            </div>
        },
        None => html! { <>{ for rest.iter().map(|section| header_table(section, headers.before_after, lang)) }</> },
    };
    html! {
        <section class="inspector-headers">
            <h3>{ Text::Headers.text(lang) }</h3>
            if headers.carried { <p class="inspector-note">{ Text::Carried.text(lang) }</p> }
            { body }
            <h4>{ Text::Tcpdump.text(lang) }</h4>
            <pre class="inspector-tcpdump">
                if let Some(before) = &headers.tcpdump_before {
                    <span class="tcpdump-before">{ format!("{before}\n") }</span>
                }
                <span class="tcpdump-after">{ &headers.tcpdump }</span>
            </pre>
        </section>
    }
}

fn header_table(section: &HeaderSection, pair: bool, lang: Lang) -> Html {
    html! {
        <table class="hdr-table">
            <thead>
                <tr>
                    <th scope="col">{ Text::Field.text(lang) }</th>
                    if pair {
                        <th scope="col">{ Text::Before.text(lang) }</th>
                        <th scope="col"><span class="sr-only">{ Text::Changed.text(lang) }</span></th>
                        <th scope="col">{ Text::After.text(lang) }</th>
                    } else {
                        <th scope="col">{ Text::Value.text(lang) }</th>
                    }
                </tr>
            </thead>
            <tbody>
                { for section.rows.iter().map(|row| field_row(row, pair, lang)) }
            </tbody>
        </table>
    }
}

fn field_row(row: &FieldRow, pair: bool, lang: Lang) -> Html {
    let (class, symbol, word) = match row.change {
        Change::Same => ("", "", ""),
        Change::Changed => ("changed", "✎", Text::Changed.text(lang)),
        Change::Added => ("added", "+", Text::Added.text(lang)),
        Change::Removed => ("removed", "−", Text::Removed.text(lang)),
    };
    let value = |value: &Option<String>| value.clone().unwrap_or_else(|| "—".to_string());
    html! {
        <tr class={classes!("hdr-row", (!class.is_empty()).then_some(class))} data-field={row.field.label()}>
            <th scope="row"><code>{ row.field.label() }</code></th>
            if pair {
                <td class="hdr-before"><code>{ value(&row.before) }</code></td>
                <td class="hdr-mark">
                    if !symbol.is_empty() {
                        <span aria-hidden="true">{ symbol }</span><span class="sr-only">{ word }</span>
                    }
                </td>
                <td class="hdr-after"><code>{ value(&row.after) }</code></td>
            } else {
                <td class="hdr-after"><code>{ value(&row.after) }</code></td>
            }
        </tr>
    }
}

fn rules(panel: &RulesPanel, lang: Lang) -> Html {
    let body = match panel {
        RulesPanel::NotATable => html! { <p class="inspector-note">{ Text::NotATable.text(lang) }</p> },
        RulesPanel::NoRules { host } => html! { <p class="inspector-note">{ no_rules(lang, host) }</p> },
        RulesPanel::Table(view) => rules_table(view, lang),
    };
    html! {
        <section class="inspector-rules">
            <h3>{ Text::Rules.text(lang) }</h3>
            { body }
        </section>
    }
}

fn rules_table(view: &RulesView, lang: Lang) -> Html {
    html! {
        <>
            <p class="inspector-command"><code>{ format!("{}# iptables-save -t {}", view.node, view.table) }</code></p>
            <pre class="inspector-save" tabindex="0">
                { for view.lines.iter().map(|(number, text)| {
                    let current = Some(*number) == view.highlight;
                    html! {
                        <span class={classes!("save-line", current.then_some("hl"))} data-line={number.to_string()}
                            aria-current={current.then_some("true")}>{ format!("{text}\n") }</span>
                    }
                }) }
            </pre>
            <h4>{ format!("{} ({} {})", Text::Walked.text(lang), view.table, view.hook) }</h4>
            <ol class="inspector-walk" tabindex="0">
                { for view.walked.iter().map(|rule| {
                    let place = rule.number.map_or_else(|| "policy".to_string(), |number| format!("#{number}"));
                    html! {
                        <li class={classes!("walk-rule", rule.current.then_some("hl"), format!("depth-{}", rule.depth.min(6)))}>
                            <code class="walk-text">{ format!("{} {place}: {}", rule.chain, rule.text) }</code>
                            <ul class="walk-criteria">
                                { for rule.criteria.iter().map(|criterion| {
                                    let (class, symbol, word) = match &criterion.check {
                                        Check::Matched => ("ok", "✓", Text::Matched.text(lang)),
                                        Check::NotMatched => ("no", "✗", Text::NotMatched.text(lang)),
                                        Check::NotReached => ("skip", "…", Text::NotReached.text(lang)),
                                        Check::NotEmulated(_) => ("skip", "?", Text::NotEmulated.text(lang)),
                                    };
                                    html! {
                                        <li class={classes!("criterion", class)}>
                                            <span class="criterion-mark" aria-hidden="true">{ symbol }</span>
                                            <code>{ &criterion.text }</code>
                                            <span class="criterion-word">{ format!(" {word}") }</span>
                                            if let Some(draw) = &criterion.draw {
                                                <code class="criterion-draw">{ format!(" {draw}") }</code>
                                            }
                                        </li>
                                    }
                                }) }
                            </ul>
                            <span class="walk-outcome">{ format!("=> {}", rule.outcome) }</span>
                        </li>
                    }
                }) }
            </ol>
        </>
    }
}

fn routes_view(routes: &RoutesView, lang: Lang) -> Html {
    html! {
        <section class="inspector-routes">
            <h3>{ Text::Routes.text(lang) }</h3>
            if !routes.rules.is_empty() {
                <p class="inspector-command"><code>{ format!("{}# ip rule", routes.host) }</code></p>
                <pre class="inspector-out">
                    { for routes.rules.iter().map(|(line, chosen)| html! {
                        <span class={classes!("out-line", chosen.then_some("hl"))}>{ format!("{line}\n") }</span>
                    }) }
                </pre>
            }
            { for routes.tables.iter().map(|table| html! {
                <>
                    <p class="inspector-command"><code>{ format!("{}# {}", routes.host, table.command) }</code></p>
                    <pre class="inspector-out">
                        { for table.lines.iter().enumerate().map(|(index, line)| {
                            let chosen = Some(index) == table.highlight;
                            html! {
                                <span class={classes!("out-line", chosen.then_some("hl"))}
                                    aria-current={chosen.then_some("true")}>{ format!("{line}\n") }</span>
                            }
                        }) }
                    </pre>
                </>
            }) }
        </section>
    }
}

fn conntrack(table: &ConntrackView, lang: Lang) -> Html {
    html! {
        <section class="inspector-conntrack">
            <h3>{ Text::Conntrack.text(lang) }</h3>
            <p class="inspector-command"><code>{ format!("{}# conntrack -L", table.host) }</code></p>
            <pre class="inspector-out">
                { for table.lines.iter().map(|(line, touched)| html! {
                    <span class={classes!("out-line", touched.then_some("hl"))}>{ format!("{line}\n") }</span>
                }) }
                <span class="stderr">{ &table.summary }</span>
            </pre>
        </section>
    }
}

fn draws(inspection: &Inspection, lang: Lang) -> Html {
    html! {
        <section class="inspector-draws">
            <h3>{ Text::Draws.text(lang) }</h3>
            if inspection.draws.is_empty() {
                <p class="inspector-note">{ Text::NoDraws.text(lang) }</p>
            } else {
                <ul>
                    { for inspection.draws.iter().map(|draw| html! {
                        <li class={classes!(draw.current.then_some("hl"))}><code>{ &draw.text }</code></li>
                    }) }
                </ul>
            }
            if !inspection.all_draws.is_empty() {
                <details>
                    <summary>{ Text::AllDraws.text(lang) }</summary>
                    <ul>
                        { for inspection.all_draws.iter().map(|draw| html! { <li><code>{ draw }</code></li> }) }
                    </ul>
                </details>
            }
        </section>
    }
}
