//! Where everything in the topology diagram goes: pure maths from a [`Scene`] and a width.
//!
//! After [`crate::scene`], before the SVG component (`components::topology`), which only
//! draws these rectangles. The picture, top to bottom: the Services (virtual IPs that
//! exist only as rules), the machines outside the cluster, then the nodes in a grid, each row
//! hanging from a line of the underlay; inside a node, eth0 on its top edge, tunl0 below
//! it, then one row per pod with its `cali…` device. The grid has as many columns as fit
//! (one at 360 px), and long lists are cut with a "+N more" row so that dozens of pods and
//! Services stay readable. Units are SVG user units, equal to CSS pixels when the diagram
//! is drawn at `width`.

use crate::scene::Scene;

/// Outer margin.
pub const MARGIN: f64 = 12.0;
/// Space between boxes.
pub const GAP: f64 = 14.0;
/// A node box is never narrower than this (a pod name, its IP and the cali name fit).
pub const NODE_MIN_WIDTH: f64 = 220.0;
/// Nor wider than this, so that two nodes fit side by side on a laptop.
pub const NODE_MAX_WIDTH: f64 = 340.0;
/// The narrowest drawing: below it the diagram scales down instead of reflowing.
pub const MIN_WIDTH: f64 = 300.0;
/// Height of the node header (name, role, eth0 and tunl0 rows).
pub const NODE_HEADER: f64 = 74.0;
/// Height of one pod row, and of the "+N more" row.
pub const POD_ROW: f64 = 40.0;
/// At most this many pod rows per node; the rest are counted in a "+N more" row.
pub const MAX_PODS_SHOWN: usize = 10;
/// At most this many Service boxes; the rest are counted.
pub const MAX_SERVICES_SHOWN: usize = 12;
/// Size of a Service box.
pub const SERVICE_WIDTH: f64 = 236.0;
pub const SERVICE_HEIGHT: f64 = 60.0;
/// Size of an external host box.
pub const EXTERNAL_WIDTH: f64 = 170.0;
pub const EXTERNAL_HEIGHT: f64 = 44.0;
/// Height of a section title.
pub const TITLE: f64 = 22.0;
/// Vertical room between an underlay line and the nodes hanging from it.
pub const BUS_DROP: f64 = 22.0;

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    pub fn center(&self) -> Point {
        Point { x: self.x + self.width / 2.0, y: self.y + self.height / 2.0 }
    }

    /// Whether `other` lies entirely inside this one.
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x && other.y >= self.y && other.right() <= self.right() && other.bottom() <= self.bottom()
    }

    /// Whether the two share any area.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right() && other.x < self.right() && self.y < other.bottom() && other.y < self.bottom()
    }
}

/// A straight line.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Segment {
    pub from: Point,
    pub to: Point,
}

/// The whole diagram.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// The title above the outside machines and the Services.
    pub outside_title: Point,
    pub externals: Vec<Rect>,
    /// Where each external host's cable meets the underlay.
    pub external_cables: Vec<Segment>,
    pub services_title: Point,
    /// The first [`MAX_SERVICES_SHOWN`] Services, in scene order.
    pub services: Vec<Rect>,
    /// How many Services are not drawn, and where their count goes.
    pub services_more: Option<(usize, Point)>,
    /// The underlay: one line per row of nodes, plus the trunk joining the rows.
    pub underlay: Vec<Segment>,
    /// Where the underlay's label goes.
    pub underlay_label: Point,
    pub nodes: Vec<NodeLayout>,
    /// Grid columns used.
    pub columns: usize,
}

/// One node box and what is inside it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NodeLayout {
    pub rect: Rect,
    /// eth0, on the node's top edge, and its cable up to the underlay.
    pub eth0: Point,
    pub cable: Segment,
    /// tunl0's row inside the node.
    pub tunl0: Rect,
    /// The first [`MAX_PODS_SHOWN`] pods, in scene order.
    pub pods: Vec<PodLayout>,
    /// How many pods are not drawn, and the row that says so.
    pub more: Option<(usize, Rect)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct PodLayout {
    /// The pod's own box (its network namespace).
    pub rect: Rect,
    /// The host end of its veth (`cali…`), on the node's side.
    pub cali: Point,
}

/// Lays the scene out for a drawing `width` units wide (clamped to [`MIN_WIDTH`]).
pub fn layout(scene: &Scene, width: f64) -> Layout {
    let width = if width.is_finite() { width.max(MIN_WIDTH) } else { MIN_WIDTH };
    let inner = width - 2.0 * MARGIN;
    let mut y = MARGIN;

    // The Services, as virtual IPs.
    // Two lines: "Services" and what they are.
    let services_title = Point { x: MARGIN, y: y + 14.0 };
    y += TITLE + 14.0;
    let shown = scene.services.len().min(MAX_SERVICES_SHOWN);
    let (services, bottom) = flow(shown, SERVICE_WIDTH.min(inner), SERVICE_HEIGHT, inner, y);
    y = if services.is_empty() { y } else { bottom + 6.0 };
    let hidden = scene.services.len().saturating_sub(shown);
    let services_more = (hidden > 0).then(|| {
        let at = Point { x: MARGIN, y: y + 12.0 };
        y += 18.0;
        (hidden, at)
    });
    y += 4.0;

    // Outside the cluster: the external machines in a row (wrapping).
    let outside_title = Point { x: MARGIN, y: y + 14.0 };
    y += TITLE;
    let (externals, bottom) = flow(scene.externals.len(), EXTERNAL_WIDTH.min(inner), EXTERNAL_HEIGHT, inner, y);
    if !externals.is_empty() {
        y = bottom + 4.0;
    }

    // The nodes, in a grid.
    let node_count = scene.nodes.len();
    let columns = columns_for(inner, node_count);
    let node_width = ((inner - GAP * (columns as f64 - 1.0)) / columns as f64).min(NODE_MAX_WIDTH);
    let trunk_x = MARGIN / 2.0;
    let underlay_label = Point { x: MARGIN, y: y + 12.0 };
    y += 16.0;
    let mut underlay = Vec::new();
    let mut nodes = Vec::with_capacity(node_count);
    let mut first_bus = None;
    let mut last_bus = y;
    for row in scene.nodes.chunks(columns.max(1)) {
        let bus_y = y;
        first_bus.get_or_insert(bus_y);
        last_bus = bus_y;
        let row_right = MARGIN + row.len() as f64 * (node_width + GAP) - GAP;
        underlay.push(Segment { from: Point { x: trunk_x, y: bus_y }, to: Point { x: row_right.max(width - MARGIN), y: bus_y } });
        let top = bus_y + BUS_DROP;
        let row_height = row.iter().map(|node| node_height(node.pods.len())).fold(0.0, f64::max);
        for (column, node) in row.iter().enumerate() {
            let x = MARGIN + column as f64 * (node_width + GAP);
            let rect = Rect { x, y: top, width: node_width, height: row_height };
            nodes.push(node_layout(rect, node.pods.len(), bus_y));
        }
        y = top + row_height + GAP + 8.0;
    }
    if let Some(first) = first_bus
        && last_bus > first
    {
        underlay.push(Segment { from: Point { x: trunk_x, y: first }, to: Point { x: trunk_x, y: last_bus } });
    }

    // External machines hang from the first underlay line: a cable from each box down to it.
    let bus_y = first_bus.unwrap_or(y);
    let external_cables = externals
        .iter()
        .map(|rect| {
            let x = rect.x + 18.0;
            Segment { from: Point { x, y: rect.bottom() }, to: Point { x, y: bus_y } }
        })
        .collect();

    Layout {
        width,
        height: y.max(MARGIN * 2.0),
        outside_title,
        externals,
        external_cables,
        services_title,
        services,
        services_more,
        underlay,
        underlay_label,
        nodes,
        columns,
    }
}

/// How many node columns fit in `inner` units: at least one, at most one per node.
pub fn columns_for(inner: f64, nodes: usize) -> usize {
    let fit = ((inner + GAP) / (NODE_MIN_WIDTH + GAP)).floor();
    let fit = if fit.is_finite() && fit >= 1.0 { fit as usize } else { 1 };
    fit.min(nodes.max(1))
}

/// A node's height for `pods` pods (cut at [`MAX_PODS_SHOWN`] plus a "+N more" row).
pub fn node_height(pods: usize) -> f64 {
    let shown = pods.min(MAX_PODS_SHOWN);
    let more = if pods > MAX_PODS_SHOWN { 1.0 } else { 0.0 };
    NODE_HEADER + (shown as f64 + more) * POD_ROW + 8.0
}

fn node_layout(rect: Rect, pods: usize, bus_y: f64) -> NodeLayout {
    let eth0 = Point { x: rect.x + 24.0, y: rect.y };
    let cable = Segment { from: Point { x: eth0.x, y: bus_y }, to: eth0 };
    let tunl0 = Rect { x: rect.x + 8.0, y: rect.y + 48.0, width: rect.width - 16.0, height: 20.0 };
    let pod_x = rect.x + 110.0_f64.min(rect.width * 0.4);
    let pod_width = rect.right() - 8.0 - pod_x;
    let shown = pods.min(MAX_PODS_SHOWN);
    let pod_rows = (0..shown)
        .map(|index| {
            let top = rect.y + NODE_HEADER + index as f64 * POD_ROW;
            let pod = Rect { x: pod_x, y: top, width: pod_width, height: POD_ROW - 6.0 };
            PodLayout { rect: pod, cali: Point { x: rect.x + 8.0, y: pod.center().y } }
        })
        .collect();
    let more = (pods > shown).then(|| {
        let top = rect.y + NODE_HEADER + shown as f64 * POD_ROW;
        (pods - shown, Rect { x: pod_x, y: top, width: pod_width, height: POD_ROW - 6.0 })
    });
    NodeLayout { rect, eth0, cable, tunl0, pods: pod_rows, more }
}

/// `count` boxes of `box_width` x `height` flowed left to right, wrapping inside `inner`;
/// returns them and the bottom of the last row (`top` when there are none).
fn flow(count: usize, box_width: f64, height: f64, inner: f64, top: f64) -> (Vec<Rect>, f64) {
    let per_row = (((inner + GAP) / (box_width + GAP)).floor().max(1.0)) as usize;
    let boxes: Vec<Rect> = (0..count)
        .map(|index| {
            let row = (index / per_row) as f64;
            let column = (index % per_row) as f64;
            Rect { x: MARGIN + column * (box_width + GAP), y: top + row * (height + 10.0), width: box_width, height }
        })
        .collect();
    let bottom = boxes.iter().map(Rect::bottom).fold(top, f64::max);
    (boxes, bottom)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::scene::{ExternalBox, NodeBox, PodBox, ServiceBox};
    use engine::cluster::ServiceType;

    fn scene(nodes: usize, pods_per_node: usize, services: usize) -> Scene {
        Scene {
            externals: vec![ExternalBox { name: "client".into(), ip: Ipv4Addr::new(172, 16, 120, 61) }],
            nodes: (0..nodes)
                .map(|n| NodeBox {
                    name: format!("node{n}"),
                    control_plane: n == 0,
                    eth0: Some(Ipv4Addr::new(172, 16, 120, 62 + n as u8)),
                    tunl0: None,
                    pods: (0..pods_per_node)
                        .map(|p| PodBox {
                            key: format!("default/p{n}-{p}"),
                            label: format!("p{n}-{p}"),
                            ip: None,
                            interface: None,
                        })
                        .collect(),
                })
                .collect(),
            services: (0..services)
                .map(|s| ServiceBox {
                    key: format!("default/s{s}"),
                    label: format!("s{s}"),
                    service_type: ServiceType::ClusterIp,
                    cluster_ip: None,
                    ports: "80/TCP".into(),
                    load_balancer_ips: Vec::new(),
                })
                .collect(),
            underlay: "172.16.120.0/24".into(),
            pending_pods: Vec::new(),
        }
    }

    /// Everything drawn stays inside the drawing and no two boxes of a kind overlap.
    fn check(layout: &Layout) {
        let canvas = Rect { x: 0.0, y: 0.0, width: layout.width, height: layout.height };
        let all: Vec<Rect> = layout
            .externals
            .iter()
            .chain(&layout.services)
            .copied()
            .chain(layout.nodes.iter().map(|n| n.rect))
            .collect();
        for (i, a) in all.iter().enumerate() {
            assert!(canvas.contains(a), "{a:?} outside {canvas:?}");
            for b in &all[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
        for node in &layout.nodes {
            assert!(node.rect.contains(&node.tunl0));
            for pod in &node.pods {
                assert!(node.rect.contains(&pod.rect), "pod {:?} outside node {:?}", pod.rect, node.rect);
                assert!(pod.cali.x >= node.rect.x && pod.cali.x < pod.rect.x);
            }
            for pair in node.pods.windows(2) {
                assert!(!pair[0].rect.overlaps(&pair[1].rect));
            }
            // The eth0 cable runs from an underlay line down to the node's top edge.
            assert_eq!(node.cable.to, node.eth0);
            assert!(layout.underlay.iter().any(|bus| bus.from.y == node.cable.from.y));
            assert!(node.cable.from.y < node.rect.y);
        }
    }

    #[test]
    fn a_phone_gets_one_column() {
        // 360 px wide window: one node per row, every box inside the width.
        let layout = layout(&scene(3, 2, 2), 360.0);
        assert_eq!(layout.columns, 1);
        assert_eq!(layout.width, 360.0);
        check(&layout);
        // Rows stack: each node below the previous one, one underlay line per row plus the trunk.
        assert!(layout.nodes[1].rect.y > layout.nodes[0].rect.bottom());
        assert_eq!(layout.underlay.len(), 4);
    }

    #[test]
    fn a_wide_window_puts_nodes_side_by_side() {
        let layout = layout(&scene(3, 2, 2), 1100.0);
        assert_eq!(layout.columns, 3);
        check(&layout);
        let tops: Vec<f64> = layout.nodes.iter().map(|n| n.rect.y).collect();
        assert!(tops.iter().all(|top| *top == tops[0]));
        assert_eq!(layout.underlay.len(), 1);
    }

    #[test]
    fn one_to_six_nodes_at_many_widths() {
        for nodes in 1..=6 {
            for width in [300.0, 360.0, 480.0, 768.0, 1024.0, 1440.0, 1920.0] {
                let layout = layout(&scene(nodes, 3, 5), width);
                assert_eq!(layout.nodes.len(), nodes);
                assert!(layout.columns >= 1 && layout.columns <= nodes);
                for node in &layout.nodes {
                    assert!(node.rect.width >= NODE_MIN_WIDTH.min(width - 2.0 * MARGIN) - 1e-9);
                }
                check(&layout);
            }
        }
    }

    #[test]
    fn dozens_of_pods_are_cut_with_a_count() {
        let layout = layout(&scene(2, 37, 30), 800.0);
        check(&layout);
        for node in &layout.nodes {
            assert_eq!(node.pods.len(), MAX_PODS_SHOWN);
            assert_eq!(node.more.map(|(n, _)| n), Some(27));
            let (_, row) = node.more.unwrap_or_default();
            assert!(node.rect.contains(&row));
        }
        assert_eq!(layout.services.len(), MAX_SERVICES_SHOWN);
        assert_eq!(layout.services_more.map(|(n, _)| n), Some(18));
        // The node is as tall as its shown rows, not its 37 pods.
        assert_eq!(layout.nodes[0].rect.height, node_height(37));
        assert_eq!(node_height(37), node_height(MAX_PODS_SHOWN + 1));
    }

    #[test]
    fn odd_widths_and_empty_scenes_stay_finite() {
        for width in [f64::NAN, f64::INFINITY, -5.0, 0.0] {
            let layout = layout(&scene(2, 1, 1), width);
            assert_eq!(layout.width, MIN_WIDTH);
            assert!(layout.height.is_finite());
            check(&layout);
        }
        let empty = layout(&Scene::default(), 500.0);
        assert!(empty.nodes.is_empty() && empty.underlay.is_empty());
        assert!(empty.height >= 2.0 * MARGIN);
    }
}
