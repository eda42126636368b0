//! The cluster diagram: draws [`crate::layout::Layout`] as SVG.
//!
//! Every position comes from `layout` (pure, tested natively); this component only turns
//! rectangles and lines into elements, with the names and addresses from the scene. No
//! inline styles (the Content-Security-Policy forbids them): colours come from classes.

use std::rc::Rc;

use engine::cluster::ServiceType;
use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::anim;
use crate::bridge::PacketView;
use crate::components::browser;
use crate::i18n::{self, Lang, Msg};
use crate::layout::{self, Point, Rect, Segment};
use crate::loadbalancer::PendingReason;
use crate::scene::{NodeBox, PodBox, Scene, ServiceBox};
use crate::analysis::Picture;

#[derive(Properties, Clone)]
pub struct TopologyProps {
    pub picture: Option<Rc<Picture>>,
    pub stale: bool,
    pub lang: Lang,
    pub width: f64,
    /// The packet of the player's current step, if a connection is being shown.
    #[prop_or_default]
    pub packet: Option<PacketView>,
}

impl PartialEq for TopologyProps {
    fn eq(&self, other: &Self) -> bool {
        let same_picture = match (&self.picture, &other.picture) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_picture
            && self.stale == other.stale
            && self.lang == other.lang
            && self.width == other.width
            && self.packet == other.packet
    }
}

fn n(value: f64) -> String {
    crate::number::fixed1(value)
}

fn rect(r: &Rect, class: &'static str, radius: f64) -> Html {
    html! { <rect class={class} x={n(r.x)} y={n(r.y)} width={n(r.width)} height={n(r.height)} rx={n(radius)} /> }
}

fn line(segment: &Segment, class: &'static str) -> Html {
    html! {
        <line class={class} x1={n(segment.from.x)} y1={n(segment.from.y)} x2={n(segment.to.x)} y2={n(segment.to.y)} />
    }
}

fn text(x: f64, y: f64, class: &'static str, content: String) -> Html {
    html! { <text class={class} x={n(x)} y={n(y)}>{ content }</text> }
}

/// Cuts a label to fit `width` units at about `per_char` units per character (wide
/// characters count double).
fn fit(label: &str, width: f64, per_char: f64) -> String {
    let max = ((width / per_char).floor() as usize).max(4);
    let wide = label.chars().filter(|c| u32::from(*c) > 0x2E80).count();
    let max = max.saturating_sub(wide.min(max / 2));
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[function_component(Topology)]
pub fn topology(props: &TopologyProps) -> Html {
    let lang = props.lang;
    let width = if props.width > 0.0 { props.width } else { crate::state::DEFAULT_WIDTH };
    // Keyed on the picture's revision, not its contents: comparing two clusters costs more
    // than laying one out.
    let revision = props.picture.as_ref().map(|picture| picture.revision);
    let layout = use_memo((revision, width.round() as i64), {
        let picture = props.picture.clone();
        move |(_, width)| picture.map(|picture| layout::layout(&picture.scene, *width as f64))
    });
    let (Some(picture), Some(layout)) = (props.picture.clone(), layout.as_ref().as_ref()) else {
        return html! { <p class="empty">{ Msg::NoCluster.text(lang) }</p> };
    };
    let scene: &Scene = &picture.scene;
    let view_box = format!("0 0 {} {}", n(layout.width), n(layout.height));

    let reason = crate::loadbalancer::pending_reason(&picture.cluster);
    let services = scene.services.iter().zip(&layout.services).map(|(service, r)| service_box(service, r, lang, reason));
    let current_host = props.packet.as_ref().map(|packet| packet.host.as_str());
    let externals = scene.externals.iter().zip(&layout.externals).map(|(external, r)| {
        html! {
            <g class={classes!("external", (current_host == Some(external.name.as_str())).then_some("is-current"))} data-host={external.name.clone()}>
                { rect(r, "box external-box", 6.0) }
                { text(r.x + 10.0, r.y + 18.0, "name", external.name.clone()) }
                { text(r.x + 10.0, r.y + 35.0, "addr", format!("eth0 {}", external.ip)) }
            </g>
        }
    });
    let current = props.packet.as_ref().map(|packet| packet.host.as_str());
    let nodes = scene.nodes.iter().zip(&layout.nodes).map(|(node, node_layout)| node_group(node, node_layout, lang, current));
    let dot = props.packet.as_ref().and_then(|packet| {
        let to = anim::anchor(scene, layout, &packet.host, &packet.at)?;
        let from = packet
            .previous
            .as_ref()
            .and_then(|(host, at)| anim::anchor(scene, layout, host, at))
            .unwrap_or(to);
        Some(html! {
            <PacketDot key={packet.key.clone()} from={from} to={to} tween_ms={packet.tween_ms} label={packet.label.clone()}
                label_left={to.x > layout.width * 0.55} />
        })
    });

    html! {
        <svg
            id="topology"
            class={classes!("topology", props.stale.then_some("is-stale"))}
            viewBox={view_box}
            width="100%"
            role="img"
            aria-label={Msg::DiagramLabel.text(lang)}
            xmlns="http://www.w3.org/2000/svg"
        >
            <title>{ Msg::DiagramLabel.text(lang) }</title>
            { text(layout.services_title.x, layout.services_title.y, "section", Msg::Services.text(lang).to_string()) }
            { text(layout.services_title.x, layout.services_title.y + 15.0, "note", fit(Msg::ServicesNote.text(lang), layout.width - 2.0 * layout::MARGIN, 6.0)) }
            { for services }
            if let Some((count, at)) = layout.services_more {
                { text(at.x, at.y, "more", i18n::more_services(lang, count)) }
            }
            { text(layout.outside_title.x, layout.outside_title.y, "section", Msg::Outside.text(lang).to_string()) }
            { for layout.underlay.iter().map(|segment| line(segment, "underlay")) }
            { for layout.external_cables.iter().map(|segment| line(segment, "cable")) }
            <text class="underlay-label" x={n(layout.width - layout::MARGIN)} y={n(layout.underlay_label.y)} text-anchor="end">
                { i18n::underlay(lang, &scene.underlay) }
            </text>
            { for externals }
            { for nodes }
            { for dot }
        </svg>
    }
}

/// The hover text for a Service: its name and type, and for a pending LoadBalancer why.
pub fn service_title(service: &ServiceBox, reason: PendingReason, lang: Lang) -> String {
    let kind = service.service_type.api_name();
    let pending = service.service_type == ServiceType::LoadBalancer && service.load_balancer_ips.is_empty();
    let why = match reason {
        PendingReason::NoProvider => Msg::Pending,
        PendingReason::MetalLbRefused => Msg::PendingRefused,
    };
    if pending { format!("{} ({kind}) — {}", service.label, why.text(lang)) } else { format!("{} ({kind})", service.label) }
}

/// Cuts the ports line so that it stops short of the address badge at its right end.
fn ports_width(box_width: f64, badge: &str) -> f64 {
    let badge_width = if badge.is_empty() { 0.0 } else { badge.chars().count() as f64 * 7.0 + 12.0 };
    (box_width - 24.0 - badge_width).max(28.0)
}

fn service_box(service: &ServiceBox, r: &Rect, lang: Lang, reason: PendingReason) -> Html {
    let kind = service.service_type.api_name();
    let address = match (service.service_type, service.cluster_ip) {
        (ServiceType::ExternalName, _) => "ExternalName".to_string(),
        (_, Some(ip)) => ip.to_string(),
        (_, None) => Msg::Headless.text(lang).to_string(),
    };
    let pending = service.service_type == ServiceType::LoadBalancer && service.load_balancer_ips.is_empty();
    let lb = service.load_balancer_ips.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    // The badge at the right of the ports line: the outside address, or `<pending>`.
    let badge = if pending { "<pending>".to_string() } else { lb };
    let class = match service.service_type {
        ServiceType::ClusterIp => "box service-box svc-clusterip",
        ServiceType::NodePort => "box service-box svc-nodeport",
        ServiceType::LoadBalancer => "box service-box svc-loadbalancer",
        ServiceType::ExternalName => "box service-box svc-externalname",
    };
    html! {
        <g class="service" data-service={service.key.clone()}>
            <title>{ service_title(service, reason, lang) }</title>
            { rect(r, class, 14.0) }
            { text(r.x + 12.0, r.y + 18.0, "name", fit(&service.label, r.width - 24.0, 7.0)) }
            { text(r.x + 12.0, r.y + 34.0, "addr", fit(&format!("{kind} {address}"), r.width - 24.0, 7.0)) }
            { text(r.x + 12.0, r.y + 50.0, "addr", fit(&service.ports, ports_width(r.width, &badge), 7.0)) }
            if !badge.is_empty() {
                { text(r.right() - 10.0, r.y + 50.0, "badge", badge) }
            }
        </g>
    }
}

fn node_group(node: &NodeBox, node_layout: &layout::NodeLayout, lang: Lang, current: Option<&str>) -> Html {
    let r = &node_layout.rect;
    let role = if node.control_plane { Msg::ControlPlane } else { Msg::Worker };
    let eth0 = node.eth0.map(|ip| format!("eth0 {ip}")).unwrap_or_else(|| "eth0".to_string());
    let tunl0 = node.tunl0.map(|ip| format!("tunl0 {ip}"));
    html! {
        <g class={classes!("node", (current == Some(node.name.as_str())).then_some("is-current"))} data-node={node.name.clone()}>
            { line(&node_layout.cable, "cable") }
            { rect(r, "box node-box", 8.0) }
            <circle class="port eth0" cx={n(node_layout.eth0.x)} cy={n(node_layout.eth0.y)} r="4" />
            { text(r.x + 10.0, r.y + 20.0, "name", fit(&node.name, r.width * 0.55, 7.5)) }
            { text(r.right() - 10.0, r.y + 20.0, "role", role.text(lang).to_string()) }
            { text(r.x + 34.0, r.y + 38.0, "addr", eth0) }
            if let Some(tunl0) = tunl0 {
                { rect(&node_layout.tunl0, "tunl0-box", 4.0) }
                { text(node_layout.tunl0.x + 6.0, node_layout.tunl0.y + 14.0, "dev", tunl0) }
            }
            { for node.pods.iter().zip(&node_layout.pods).map(|(pod, pod_layout)| pod_group(pod, pod_layout, current == Some(pod.key.as_str()))) }
            if let Some((count, more)) = node_layout.more {
                { text(more.x + 8.0, more.y + 21.0, "more", i18n::more_pods(lang, count)) }
            }
        </g>
    }
}

fn pod_group(pod: &PodBox, pod_layout: &layout::PodLayout, current: bool) -> Html {
    let r = &pod_layout.rect;
    let ip = pod.ip.map(|ip| ip.to_string()).unwrap_or_else(|| "—".to_string());
    let cali = pod.interface.clone().unwrap_or_else(|| "host".to_string());
    let veth = Segment { from: pod_layout.cali, to: layout::Point { x: r.x, y: pod_layout.cali.y } };
    html! {
        <g class={classes!("pod", current.then_some("is-current"))} data-pod={pod.key.clone()}>
            <title>{ format!("{} {ip} ({cali})", pod.key) }</title>
            { line(&veth, "veth") }
            <circle class="port cali" cx={n(pod_layout.cali.x)} cy={n(pod_layout.cali.y)} r="3" />
            { text(pod_layout.cali.x + 6.0, pod_layout.cali.y - 4.0, "dev small", fit(&cali, r.x - pod_layout.cali.x - 8.0, 6.0)) }
            { rect(r, "box pod-box", 6.0) }
            { text(r.x + 8.0, r.y + 14.0, "name", fit(&pod.label, r.width - 12.0, 7.0)) }
            { text(r.x + 8.0, r.y + 28.0, "addr", ip) }
        </g>
    }
}

#[derive(Properties, Clone, PartialEq)]
struct PacketDotProps {
    from: Point,
    to: Point,
    tween_ms: f64,
    label: Option<String>,
    /// Put the addresses left of the dot (near the right edge they would be cut).
    label_left: bool,
}

/// How often the dot moves while tweening (milliseconds, about 60 frames a second).
const FRAME_MS: u32 = 16;

/// The packet: a dot with its addresses, moving from the previous step's place to this
/// one's along [`anim::position`]. Mounted afresh for every step (its key changes).
#[function_component(PacketDot)]
fn packet_dot(props: &PacketDotProps) -> Html {
    let reduced = use_memo((), |_| browser::prefers_reduced_motion());
    let elapsed = use_mut_ref(|| 0.0_f64);
    let redraw = use_force_update();
    let timer: Rc<std::cell::RefCell<Option<Interval>>> = use_mut_ref(|| None);
    use_effect_with((), {
        let (elapsed, timer, duration, reduced) = (elapsed.clone(), timer.clone(), props.tween_ms, *reduced);
        move |_| {
            if !reduced && duration > 0.0 {
                let stop = timer.clone();
                *timer.borrow_mut() = Some(Interval::new(FRAME_MS, move || {
                    let mut now = elapsed.borrow_mut();
                    *now += f64::from(FRAME_MS);
                    if *now >= duration {
                        // Dropping the interval from its own callback is deferred to the next turn.
                        if let Some(interval) = stop.borrow_mut().take() {
                            gloo::timers::callback::Timeout::new(0, move || drop(interval)).forget();
                        }
                    }
                    drop(now);
                    redraw.force_update();
                }));
            }
            move || drop(timer.borrow_mut().take())
        }
    });
    let at = anim::position(props.from, props.to, *elapsed.borrow(), props.tween_ms, *reduced);
    html! {
        <g class="packet" id="packet" data-x={n(props.to.x)} data-y={n(props.to.y)} aria-hidden="true">
            <circle class="packet-halo" cx={n(at.x)} cy={n(at.y)} r="11" />
            <circle class="packet-dot" cx={n(at.x)} cy={n(at.y)} r="6" />
            if let Some(label) = &props.label {
                if props.label_left {
                    <text class="packet-label" x={n(at.x - 10.0)} y={n(at.y - 10.0)} text-anchor="end">{ label.clone() }</text>
                } else {
                    <text class="packet-label" x={n(at.x + 10.0)} y={n(at.y - 10.0)}>{ label.clone() }</text>
                }
            }
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;

    fn lb_box(example: Example) -> (ServiceBox, PendingReason) {
        let (_, picture) = crate::analysis::analyse(example.text());
        let service = picture.scene.services.iter().find(|s| s.service_type == ServiceType::LoadBalancer).cloned();
        (service.expect("a LoadBalancer"), crate::loadbalancer::pending_reason(&picture.cluster))
    }

    #[test]
    fn a_pending_load_balancer_says_why_on_hover() {
        let (pending, reason) = lb_box(Example::LoadBalancer);
        assert_eq!(reason, PendingReason::NoProvider);
        assert!(service_title(&pending, reason, Lang::En).ends_with("nothing provides load balancers"));
        // The same box when MetalLB has pools but refused it.
        let refused = service_title(&pending, PendingReason::MetalLbRefused, Lang::En);
        assert!(refused.contains("MetalLB gave it no address"), "{refused}");
        assert!(service_title(&pending, PendingReason::MetalLbRefused, Lang::Ja).contains("MetalLB がアドレスを割り当てませんでした"));
        // One with an address has no reason at all.
        let (given, reason) = lb_box(Example::MetalLb);
        assert!(!given.load_balancer_ips.is_empty());
        assert_eq!(service_title(&given, reason, Lang::En), format!("{} (LoadBalancer)", given.label));
    }

    #[test]
    fn the_ports_line_stops_short_of_the_badge() {
        let ports = "80:32023/TCP,443:30370/TCP";
        for (width, badge) in [(220.0, "172.16.120.200"), (180.0, "<pending>"), (300.0, "")] {
            let shown = fit(ports, ports_width(width, badge), 7.0);
            let badge_width = if badge.is_empty() { 0.0 } else { badge.len() as f64 * 7.0 };
            // Text starts 12 units in, the badge ends 10 units from the right edge.
            assert!(12.0 + shown.chars().count() as f64 * 7.0 + badge_width <= width - 10.0, "{width} {badge}: {shown}");
        }
        assert_eq!(fit(ports, ports_width(400.0, "<pending>"), 7.0), ports);
    }
}
