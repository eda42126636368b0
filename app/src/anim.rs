//! The packet on the diagram: where a step happens in the [`crate::layout`] coordinates, and
//! how the dot moves from one step's place to the next. Pure maths, tested natively.
//!
//! After the player (`crate::player`: the step shown) and the layout; the topology
//! component draws the dot at [`position`] for the time since the step began. A step on a
//! device sits on that device (eth0 on the node's top edge, tunl0's row, a pod's `cali…`
//! end); a netfilter hook sits along the node's header, left to right in the kernel's order
//! (PREROUTING, routing, INPUT/FORWARD/OUTPUT, POSTROUTING, then the socket). With
//! `prefers-reduced-motion` the dot jumps without a tween.

use engine::netfilter::Hook;
use engine::trace::{At, Event, Step};

use crate::layout::{Layout, Point, Rect};
use crate::player::is_key;
use crate::scene::Scene;

/// How long a step that moves the packet (a device) stays on screen at 1×, in milliseconds.
pub const MOVE_MS: f64 = 900.0;
/// How long another key step stays at 1×.
pub const KEY_MS: f64 = 550.0;
/// How long a rule that matched stays at 1× (a chain walk reads quickly).
pub const RULE_MS: f64 = 260.0;
/// How long a minor step (a rule that did not match) stays at 1×.
pub const MINOR_MS: f64 = 110.0;
/// The shortest dwell, whatever the speed.
pub const MIN_MS: f64 = 30.0;
/// The tween takes this share of the dwell; the dot rests for the remainder.
pub const TWEEN_SHARE: f64 = 0.7;

/// Where on the diagram `at` on `host` is; `None` when the host is not drawn.
pub fn anchor(scene: &Scene, layout: &Layout, host: &str, at: &At) -> Option<Point> {
    if let Some(index) = scene.externals.iter().position(|external| external.name == host) {
        let rect = layout.externals.get(index)?;
        return Some(match at {
            At::Device(_) => layout.external_cables.get(index).map_or(rect.center(), |cable| cable.from),
            _ => rect.center(),
        });
    }
    if let Some(index) = scene.nodes.iter().position(|node| node.name == host) {
        let node = scene.nodes.get(index)?;
        let drawn = layout.nodes.get(index)?;
        return Some(match at {
            At::Device(dev) if dev == "eth0" => drawn.eth0,
            At::Device(dev) if dev == "tunl0" => Point { x: drawn.tunl0.x + 60.0_f64.min(drawn.tunl0.width / 2.0), y: drawn.tunl0.center().y },
            At::Device(dev) => node
                .pods
                .iter()
                .position(|pod| pod.interface.as_deref() == Some(dev.as_str()))
                .and_then(|pod| drawn.pods.get(pod))
                .map_or_else(|| along(&drawn.rect, 0.5), |pod| pod.cali),
            other => along(&drawn.rect, stage(other)),
        });
    }
    for (index, node) in scene.nodes.iter().enumerate() {
        let Some(pod) = node.pods.iter().position(|pod| pod.key == host) else { continue };
        let drawn = layout.nodes.get(index)?;
        let Some(pod_layout) = drawn.pods.get(pod) else {
            // Past the "+N more" cut: the count's row stands for it.
            return Some(drawn.more.map_or(drawn.rect.center(), |(_, rect)| rect.center()));
        };
        let r = pod_layout.rect;
        return Some(match at {
            At::Device(_) => Point { x: r.x, y: r.center().y },
            other => Point { x: r.x + r.width * (0.35 + 0.6 * stage(other)), y: r.center().y },
        });
    }
    None
}

/// How far along the kernel's path a place is, from 0 (just in) to 1 (the socket).
fn stage(at: &At) -> f64 {
    let hook = |hook: &Hook| match hook {
        Hook::PreRouting => 0.2,
        Hook::Input | Hook::Forward | Hook::Output => 0.55,
        Hook::PostRouting => 0.75,
    };
    match at {
        At::Table { hook: h, .. } | At::Conntrack(h) => hook(h),
        At::Routing => 0.4,
        At::Socket => 0.92,
        At::Device(_) => 0.5,
    }
}

/// A point along a node's header row, `share` of the way across.
fn along(rect: &Rect, share: f64) -> Point {
    Point { x: rect.x + rect.width * share.clamp(0.0, 1.0), y: rect.y + 30.0 }
}

/// Cubic ease-in-out of `t`, clamped to [0, 1] (NaN counts as done).
pub fn ease_in_out(t: f64) -> f64 {
    let t = if t.is_nan() { 1.0 } else { t.clamp(0.0, 1.0) };
    if t < 0.5 { 4.0 * t * t * t } else { 1.0 - (-2.0 * t + 2.0).powi(3) / 2.0 }
}

/// How far a tween of `duration` ms is after `elapsed` ms, in [0, 1].
pub fn progress(elapsed: f64, duration: f64) -> f64 {
    if duration.is_nan() || duration <= 0.0 || !elapsed.is_finite() {
        return 1.0;
    }
    (elapsed / duration).clamp(0.0, 1.0)
}

pub fn lerp(from: Point, to: Point, t: f64) -> Point {
    Point { x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t }
}

/// The dot's position `elapsed` ms into a move of `duration` ms from `from` to `to`; with
/// `reduced` motion it is at `to` at once.
pub fn position(from: Point, to: Point, elapsed: f64, duration: f64, reduced: bool) -> Point {
    if reduced {
        return to;
    }
    lerp(from, to, ease_in_out(progress(elapsed, duration)))
}

/// How long `step` stays on screen while playing at `speed` (1.0 = 1×), in milliseconds.
pub fn dwell_ms(step: &Step, speed: f64) -> f64 {
    let base = if !is_key(step) {
        MINOR_MS
    } else if matches!(step.event, Event::DeviceTx { .. } | Event::DeviceRx { .. }) {
        MOVE_MS
    } else if matches!(step.event, Event::Rule(_)) {
        RULE_MS
    } else {
        KEY_MS
    };
    let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
    (base / speed).max(MIN_MS)
}

/// How long the dot takes to move to a step that stays `dwell` ms.
pub fn tween_ms(dwell: f64) -> f64 {
    dwell * TWEEN_SHARE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;
    use crate::player::tests::nodeport_run;

    const A: Point = Point { x: 10.0, y: 20.0 };
    const B: Point = Point { x: 110.0, y: -80.0 };

    #[test]
    fn a_tween_starts_and_ends_on_its_endpoints() {
        assert_eq!(position(A, B, 0.0, 400.0, false), A);
        assert_eq!(position(A, B, 400.0, 400.0, false), B);
        // Past the end and before the start it is clamped.
        assert_eq!(position(A, B, 10_000.0, 400.0, false), B);
        assert_eq!(position(A, B, -50.0, 400.0, false), A);
        // Halfway in time is halfway in space (the easing is symmetric).
        let middle = position(A, B, 200.0, 400.0, false);
        assert!((middle.x - 60.0).abs() < 1e-9 && (middle.y + 30.0).abs() < 1e-9, "{middle:?}");
    }

    #[test]
    fn progress_is_monotonic_and_clamped() {
        let mut last = -1.0;
        for ms in 0..=500 {
            let p = ease_in_out(progress(f64::from(ms), 400.0));
            assert!((0.0..=1.0).contains(&p));
            assert!(p >= last, "eased progress went back at {ms} ms");
            last = p;
        }
        assert_eq!(progress(5.0, 0.0), 1.0);
        assert_eq!(progress(5.0, f64::NAN), 1.0);
        assert_eq!(progress(f64::INFINITY, 100.0), 1.0);
        assert_eq!(ease_in_out(f64::NAN), 1.0);
    }

    #[test]
    fn reduced_motion_jumps() {
        assert_eq!(position(A, B, 0.0, 400.0, true), B);
    }

    #[test]
    fn speed_divides_the_dwell() {
        let run = nodeport_run();
        let device = run.steps.iter().find(|s| matches!(s.event, Event::DeviceTx { .. })).expect("a tx step");
        assert_eq!(dwell_ms(device, 1.0), MOVE_MS);
        assert_eq!(dwell_ms(device, 4.0), MOVE_MS / 4.0);
        assert_eq!(dwell_ms(device, 0.5), MOVE_MS * 2.0);
        assert_eq!(dwell_ms(device, 0.0), MOVE_MS, "nonsense speeds count as 1×");
        assert!(dwell_ms(device, 1e9) >= MIN_MS);
        assert!(tween_ms(MOVE_MS) < MOVE_MS);
    }

    #[test]
    fn every_step_of_the_nodeport_trace_has_a_place_on_the_diagram() {
        let (_, picture) = crate::analysis::analyse(Example::NodePort.text());
        let layout = crate::layout::layout(&picture.scene, 1100.0);
        let run = nodeport_run();
        let canvas = Rect { x: 0.0, y: 0.0, width: layout.width, height: layout.height };
        for step in run.steps.iter() {
            let point = anchor(&picture.scene, &layout, &step.host, &step.at).unwrap_or_else(|| panic!("no place for {step}"));
            assert!(canvas.contains(&Rect { x: point.x, y: point.y, width: 0.0, height: 0.0 }), "{step} at {point:?}");
        }
        // eth0 of node1 is the node's eth0 port; the pod's steps are inside its box.
        let node1 = picture.scene.nodes.iter().position(|n| n.name == "node1").expect("node1");
        let eth0 = anchor(&picture.scene, &layout, "node1", &At::Device("eth0".into()));
        assert_eq!(eth0, Some(layout.nodes[node1].eth0));
        let node2 = picture.scene.nodes.iter().position(|n| n.name == "node2").expect("node2");
        let nginx = picture.scene.nodes[node2].pods.iter().position(|p| p.key == "default/nginx").expect("nginx");
        let pod_box = layout.nodes[node2].pods[nginx].rect;
        let socket = anchor(&picture.scene, &layout, "default/nginx", &At::Socket).expect("socket");
        assert!(pod_box.contains(&Rect { x: socket.x, y: socket.y, width: 0.0, height: 0.0 }));
        // The hooks go left to right in the kernel's order.
        let at = |hook| anchor(&picture.scene, &layout, "node1", &At::Conntrack(hook)).map(|p| p.x).unwrap_or_default();
        assert!(at(Hook::PreRouting) < at(Hook::Forward) && at(Hook::Forward) < at(Hook::PostRouting));
        assert_eq!(anchor(&picture.scene, &layout, "nowhere", &At::Routing), None);
    }
}
