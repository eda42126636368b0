//! The "Send 1,000" histogram: one row per endpoint, an outlined bar for the exact odds and
//! a filled bar for where the connections went, then the chi-square verdict.
//!
//! Draws [`crate::histogram::Histogram`] (all numbers come from there) as SVG, because the
//! Content-Security-Policy forbids inline styles and SVG lengths are attributes. The SVG is
//! hidden from screen readers; a visually hidden table carries the same figures.

use std::rc::Rc;

use yew::prelude::*;

use crate::histogram::{Bar, Histogram as Chart};
use crate::i18n::Lang;
use crate::i18n::examples::{HistogramText, chi_square_verdict, histogram_caption};

#[derive(Properties, PartialEq)]
pub struct HistogramProps {
    pub spread: Rc<engine::trace::Spread>,
    pub lang: Lang,
}

/// The SVG's user units: the label column, the bar column, and the row height.
const LABEL_WIDTH: f64 = 210.0;
const BAR_WIDTH: f64 = 300.0;
const FIGURES_WIDTH: f64 = 150.0;
const ROW: f64 = 34.0;

fn n(value: f64) -> String {
    format!("{value:.1}")
}

#[function_component(Histogram)]
pub fn histogram(props: &HistogramProps) -> Html {
    let lang = props.lang;
    let chart = use_memo(Rc::clone(&props.spread), |spread| Chart::new(spread));
    let width = LABEL_WIDTH + BAR_WIDTH + FIGURES_WIDTH;
    let height = ROW * chart.bars.len() as f64 + 8.0;
    let caption = histogram_caption(lang, chart.runs);
    html! {
        <figure class="histogram">
            <figcaption>{ caption.clone() }</figcaption>
            <svg class="histogram-chart" viewBox={format!("0 0 {} {}", n(width), n(height))} width="100%"
                aria-hidden="true" xmlns="http://www.w3.org/2000/svg">
                { for chart.bars.iter().enumerate().map(|(index, bar)| row(bar, index as f64 * ROW + 4.0)) }
            </svg>
            <p class="histogram-legend">
                <span class="key expected">{ HistogramText::ExpectedBar.text(lang) }</span>
                <span class="key observed">{ HistogramText::ObservedBar.text(lang) }</span>
            </p>
            <table class="sr-only">
                <caption>{ caption }</caption>
                <thead><tr>
                    <th scope="col">{ HistogramText::Endpoint.text(lang) }</th>
                    <th scope="col">{ HistogramText::Exact.text(lang) }</th>
                    <th scope="col">{ HistogramText::Connections.text(lang) }</th>
                    <th scope="col">{ HistogramText::Observed.text(lang) }</th>
                </tr></thead>
                <tbody>
                    { for chart.bars.iter().map(|bar| html! {
                        <tr>
                            <th scope="row">{ bar.endpoint.clone() }</th>
                            <td>{ exact(bar) }</td>
                            <td>{ bar.count }</td>
                            <td>{ bar.observed_label.clone() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if let Some(test) = &chart.chi_square {
                <p class={classes!("chi-square", if test.fits { "fits" } else { "misfit" })}>{ chi_square_verdict(lang, test) }</p>
            }
            if chart.truncated {
                <p class="chi-square misfit">{ HistogramText::Truncated.text(lang) }</p>
            }
        </figure>
    }
}

/// `1/3 (33.3 %)`, or just the percentage when the odds are no simple fraction.
fn exact(bar: &Bar) -> String {
    match &bar.fraction {
        Some(fraction) => format!("{fraction} ({})", bar.probability_label),
        None => bar.probability_label.clone(),
    }
}

fn row(bar: &Bar, y: f64) -> Html {
    let label: String = if bar.endpoint.chars().count() > 28 {
        let cut: String = bar.endpoint.chars().take(27).collect();
        format!("{cut}…")
    } else {
        bar.endpoint.clone()
    };
    let bar_x = LABEL_WIDTH;
    let height = ROW - 12.0;
    html! {
        <g class="histogram-row" data-endpoint={bar.endpoint.clone()}>
            <text class="endpoint" x="0" y={n(y + height / 2.0 + 4.0)}>{ label }</text>
            <rect class="observed" x={n(bar_x)} y={n(y + 3.0)} width={n(bar.observed_width * BAR_WIDTH)} height={n(height - 6.0)} />
            <rect class="expected" x={n(bar_x)} y={n(y)} width={n(bar.expected_width * BAR_WIDTH)} height={n(height)} />
            <text class="figures" x={n(bar_x + BAR_WIDTH + 8.0)} y={n(y + height / 2.0 - 2.0)}>{ exact(bar) }</text>
            <text class="figures observed-figures" x={n(bar_x + BAR_WIDTH + 8.0)} y={n(y + height / 2.0 + 11.0)}>
                { format!("{} · {}", bar.count, bar.observed_label) }
            </text>
        </g>
    }
}
