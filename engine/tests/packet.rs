//! Scenario goldens for packets, tcpdump lines and conntrack tables.
//!
//! Each scenario writes what the real tools would print into engine/tests/packet/<scenario>/
//! (regenerate with `UPDATE_EXPECT=1 cargo test -p packetlab-engine --test packet`), and
//! wherever a real capture exists the output is also compared line by line with it
//! (engine/tests/packet/observed/, recorded as described in the README there).

// Helpers outside `#[test]` functions build fixtures; a panic there is a failing test.
#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;

use engine::conntrack::{ConntrackTable, CtState, Direction, Entry, render};
use engine::packet::tcpdump::{Capture, EthernetAddresses, LinkType, MacAddress, TcpdumpVersion};
use engine::packet::{
    AppData, DnsMessage, IcmpMessage, LabTime, Packet, TcpFlags, TcpOption, TcpSegment,
    UdpDatagram, UdpPayload, UnreachableCode, linux_syn_options,
};
use expect_test::expect_file;

fn addr(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

/// The IPv4 lines of a real tcpdump output (ARP and IPv6 noise left out).
fn observed_ip_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.get(15..19) == Some(" IP "))
        .map(str::to_string)
        .collect()
}

const CLIENT: &str = "172.16.120.61";
const NODE: &str = "172.16.120.63";
const POD: &str = "192.168.231.166";
const TUNL0: &str = "192.168.56.128";

/// One TCP segment of the recorded exchange: capture times on both sides, who sent it, and the segment.
struct Step {
    client_side_at: LabTime,
    pod_side_at: LabTime,
    from_client: bool,
    segment: TcpSegment,
}

fn at(seconds: u64, micros: u64) -> LabTime {
    LabTime::hms_micros(16, 12, seconds, micros)
}

fn ts(value: u32, echo: u32) -> Vec<TcpOption> {
    vec![
        TcpOption::Nop,
        TcpOption::Nop,
        TcpOption::Timestamps { value, echo },
    ]
}

fn segment(
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: TcpFlags,
    window: u16,
    options: Vec<TcpOption>,
) -> TcpSegment {
    TcpSegment {
        src_port: sport,
        dst_port: dport,
        seq,
        ack,
        flags,
        window,
        urgent: 0,
        options,
        payload_len: 0,
        app: None,
    }
}

/// The HTTP exchange recorded in observed/tcpdump-nodeport-{client,pod}-side.txt, as the
/// client and the node saw it (client-side addresses; the pod side is derived through conntrack).
fn recorded_exchange() -> Vec<Step> {
    let (c_isn, s_isn) = (3055388847u32, 854955355u32);
    let c = |offset: u32| c_isn.wrapping_add(offset);
    let s = |offset: u32| s_isn.wrapping_add(offset);
    let ack = TcpFlags::ACK;
    let push = TcpFlags::PSH | TcpFlags::ACK;
    let fin = TcpFlags::FIN | TcpFlags::ACK;
    let mut request = segment(
        51234,
        31000,
        c(1),
        s(1),
        push,
        63,
        ts(215343810, 3222897252),
    );
    request.payload_len = 82;
    request.app = Some(AppData::HttpRequest {
        method: "GET".into(),
        target: "/".into(),
    });
    let mut response = segment(
        31000,
        51234,
        s(1),
        c(83),
        push,
        64,
        ts(3222897252, 215343810),
    );
    response.payload_len = 40;
    response.app = Some(AppData::HttpResponse {
        status: 200,
        reason: "OK".into(),
    });
    vec![
        Step {
            client_side_at: at(34, 299084),
            pod_side_at: at(34, 299384),
            from_client: true,
            segment: segment(
                51234,
                31000,
                c(0),
                0,
                TcpFlags::SYN,
                64240,
                linux_syn_options(1460, 215343809, 0, 10),
            ),
        },
        Step {
            client_side_at: at(34, 299528),
            pod_side_at: at(34, 299419),
            from_client: false,
            segment: segment(
                31000,
                51234,
                s(0),
                c(1),
                TcpFlags::SYN | TcpFlags::ACK,
                65160,
                linux_syn_options(1460, 3222897252, 215343809, 10),
            ),
        },
        Step {
            client_side_at: at(34, 299605),
            pod_side_at: at(34, 299608),
            from_client: true,
            segment: segment(51234, 31000, c(1), s(1), ack, 63, ts(215343810, 3222897252)),
        },
        Step {
            client_side_at: at(34, 299921),
            pod_side_at: at(34, 299928),
            from_client: true,
            segment: request,
        },
        Step {
            client_side_at: at(34, 299957),
            pod_side_at: at(34, 299954),
            from_client: false,
            segment: segment(
                31000,
                51234,
                s(1),
                c(83),
                ack,
                64,
                ts(3222897252, 215343810),
            ),
        },
        Step {
            client_side_at: at(34, 300014),
            pod_side_at: at(34, 299997),
            from_client: false,
            segment: response,
        },
        Step {
            client_side_at: at(34, 300055),
            pod_side_at: at(34, 300058),
            from_client: true,
            segment: segment(
                51234,
                31000,
                c(83),
                s(41),
                ack,
                63,
                ts(215343810, 3222897252),
            ),
        },
        Step {
            client_side_at: at(37, 300405),
            pod_side_at: at(37, 300430),
            from_client: true,
            segment: segment(
                51234,
                31000,
                c(83),
                s(41),
                fin,
                63,
                ts(215346811, 3222897252),
            ),
        },
        Step {
            client_side_at: at(37, 300640),
            pod_side_at: at(37, 300622),
            from_client: false,
            segment: segment(
                31000,
                51234,
                s(41),
                c(84),
                fin,
                64,
                ts(3222900253, 215346811),
            ),
        },
        Step {
            client_side_at: at(37, 300664),
            pod_side_at: at(37, 300672),
            from_client: true,
            segment: segment(
                51234,
                31000,
                c(84),
                s(42),
                ack,
                63,
                ts(215346811, 3222900253),
            ),
        },
    ]
}

/// What the node does with one packet: classify, create+NAT+confirm the entry for a NEW
/// packet, update the state, and rewrite from the entry. Returns the packet as it leaves.
fn node_forwards(
    table: &mut ConntrackTable,
    packet: &Packet,
    now: LabTime,
    masquerade_port: Option<u16>,
) -> Packet {
    let info = table.classify(packet, 0);
    if info.state == CtState::New && info.entry.is_none() {
        // nat PREROUTING: KUBE-NODEPORTS -> KUBE-SEP DNAT; nat POSTROUTING: MASQUERADE to tunl0's address.
        let entry = Entry::new(packet, 0, now)
            .unwrap()
            .with_dnat(addr(POD), Some(80))
            .with_snat(addr(TUNL0), masquerade_port);
        table.confirm(entry).unwrap();
    } else {
        table.observe(packet, 0, now).unwrap();
    }
    table.nat_rewrite(packet, 0).unwrap()
}

#[test]
fn nodeport_http_exchange_matches_the_real_capture() {
    let mut client_side = Capture::new("vb", LinkType::Ethernet);
    let mut pod_side = Capture::new("vc", LinkType::Ethernet);
    let mut table = ConntrackTable::new();
    let (mut client_lines, mut pod_lines) = (Vec::new(), Vec::new());
    let mut conntrack_established = String::new();
    for step in recorded_exchange() {
        if step.from_client {
            let sent = Packet::tcp(addr(CLIENT), addr(NODE), step.segment);
            client_lines.push((
                step.client_side_at,
                client_side.line(step.client_side_at, &sent),
            ));
            let forwarded = node_forwards(&mut table, &sent, step.client_side_at, None);
            pod_lines.push((
                step.pod_side_at,
                pod_side.line(step.pod_side_at, &forwarded),
            ));
        } else {
            // The pod answers the translated connection: 192.168.231.166:80 -> 192.168.56.128:51234.
            let pod_segment = TcpSegment {
                src_port: 80,
                ..step.segment
            };
            let answer = Packet::tcp(addr(POD), addr(TUNL0), pod_segment);
            pod_lines.push((step.pod_side_at, pod_side.line(step.pod_side_at, &answer)));
            let un_natted = node_forwards(&mut table, &answer, step.pod_side_at, None);
            client_lines.push((
                step.client_side_at,
                client_side.line(step.client_side_at, &un_natted),
            ));
        }
        if step.client_side_at == at(34, 300055) {
            // conntrack -L was run about 1.5 s after the exchange settled.
            conntrack_established =
                render::list(&table, step.client_side_at.plus_micros(1_500_000)).0;
        }
    }
    let (time_wait, summary) = render::list(&table, at(37, 300672).plus_micros(1_500_000));
    // tcpdump prints in capture order; the two processes interleave differently.
    client_lines.sort();
    pod_lines.sort();
    let client_text: Vec<String> = client_lines.into_iter().map(|(_, line)| line).collect();
    let pod_text: Vec<String> = pod_lines.into_iter().map(|(_, line)| line).collect();

    assert_eq!(
        client_text,
        observed_ip_lines(include_str!(
            "packet/observed/tcpdump-nodeport-client-side.txt"
        ))
    );
    assert_eq!(
        pod_text,
        observed_ip_lines(include_str!(
            "packet/observed/tcpdump-nodeport-pod-side.txt"
        ))
    );
    assert_eq!(
        format!("{conntrack_established}{summary}"),
        include_str!("packet/observed/conntrack-L-established.txt")
    );
    assert_eq!(
        format!("{time_wait}{summary}"),
        include_str!("packet/observed/conntrack-L-time-wait.txt")
    );

    expect_file!["packet/nodeport_http/tcpdump-client-side.txt"]
        .assert_eq(&(client_text.join("\n") + "\n"));
    expect_file!["packet/nodeport_http/tcpdump-pod-side.txt"]
        .assert_eq(&(pod_text.join("\n") + "\n"));
    expect_file!["packet/nodeport_http/conntrack-L.txt"]
        .assert_eq(&format!("{conntrack_established}{summary}"));
}

/// The seed's flow with `MASQUERADE --random-fully`: the client's SYN to node1's NodePort
/// leaves node1 DNATed to the nginx pod, SNATed to tunl0's 192.168.56.128 with a new port,
/// and wrapped in IPIP towards node2 (calico-metallb-ingress.md sections 1.8 and 1.11).
#[test]
fn nodeport_syn_through_the_ipip_tunnel() {
    let now = LabTime::hms_micros(22, 13, 20, 123456);
    let mut syn_segment = TcpSegment::syn(51234, 31000, 123456);
    syn_segment.window = 64800;
    syn_segment.options = linux_syn_options(1440, 1, 0, 7);
    let from_client = Packet::tcp(addr(CLIENT), addr(NODE), syn_segment);
    let mut table = ConntrackTable::new();
    let inner = node_forwards(&mut table, &from_client, now, Some(40123))
        .forwarded()
        .unwrap();
    let on_wire = inner.encapsulate_ipip(addr(NODE), addr("172.16.120.64"));
    assert_eq!(on_wire.ip.ttl, 63);
    assert_eq!(on_wire.total_len(), 80);

    let mut out = String::new();
    let mut underlay = Capture::new("eth0", LinkType::Ethernet);
    out.push_str("# node1 eth0, tcpdump 4.99 (-n)\n");
    out.push_str(&underlay.line(now, &on_wire));
    out.push('\n');
    let mut old = Capture::new("eth0", LinkType::Ethernet).with_version(TcpdumpVersion::V4_9);
    out.push_str("# node1 eth0, tcpdump 4.9 (-n)\n");
    out.push_str(&old.line(now, &on_wire));
    out.push('\n');
    let mut with_link = Capture::new("eth0", LinkType::Ethernet).with_link_header(true);
    let macs = EthernetAddresses {
        src: MacAddress([2, 0, 0, 0, 0, 1]),
        dst: MacAddress([2, 0, 0, 0, 0, 2]),
    };
    out.push_str("# node1 eth0 (-n -e)\n");
    out.push_str(&with_link.line_with_macs(now, macs, &on_wire));
    out.push('\n');
    let mut tunnel = Capture::new("tunl0", LinkType::RawIp);
    let arrived = on_wire.decapsulate().unwrap();
    out.push_str("# node2 tunl0 (-n)\n");
    out.push_str(&tunnel.line(now, &arrived));
    out.push('\n');
    let mut tunnel_e = Capture::new("tunl0", LinkType::RawIp).with_link_header(true);
    out.push_str("# node2 tunl0 (-n -e)\n");
    out.push_str(&tunnel_e.line(now, &arrived));
    out.push('\n');
    out.push_str("# node1 conntrack -L\n");
    let (stdout, stderr) = render::list(&table, now);
    out.push_str(&stdout);
    out.push_str(&stderr);
    expect_file!["packet/ipip_syn/output.txt"].assert_eq(&out);

    // tcpdump 4.99.3 read the same packet from a pcap (observed/mkpcap.py): same text.
    let observed = include_str!("packet/observed/tcpdump-synthetic-ipip-icmp.txt");
    let mut fresh_underlay = Capture::new("eth0", LinkType::Ethernet);
    assert_eq!(
        fresh_underlay.line(now, &on_wire),
        observed.lines().next().unwrap()
    );
    let observed_raw = include_str!("packet/observed/tcpdump-synthetic-tunl0-raw.txt");
    let mut fresh = Capture::new("tunl0", LinkType::RawIp);
    assert_eq!(
        fresh.line(now, &arrived),
        observed_raw.lines().next().unwrap()
    );
    let observed_raw_e = include_str!("packet/observed/tcpdump-e-synthetic-tunl0-raw.txt");
    let mut fresh_e = Capture::new("tunl0", LinkType::RawIp).with_link_header(true);
    assert_eq!(
        fresh_e.line(now, &arrived),
        observed_raw_e.lines().next().unwrap()
    );
    let observed_e = include_str!("packet/observed/tcpdump-e-synthetic-ipip.txt");
    let mut fresh_eth = Capture::new("eth0", LinkType::Ethernet).with_link_header(true);
    assert_eq!(
        fresh_eth.line_with_macs(now, macs, &on_wire),
        observed_e.lines().next().unwrap()
    );

    assert_eq!(
        stdout,
        "tcp      6 120 SYN_SENT src=172.16.120.61 dst=172.16.120.63 sport=51234 dport=31000 [UNREPLIED] src=192.168.231.166 dst=192.168.56.128 sport=80 dport=40123 mark=0 use=1\n"
    );
}

#[test]
fn icmp_lines() {
    let mut capture = Capture::new("eth0", LinkType::Ethernet);
    let mut out = String::new();
    let mut push = |time: LabTime, packet: &Packet| {
        out.push_str(&capture.line(time, packet));
        out.push('\n');
    };
    // A ClusterIP with no endpoints: kube-proxy's filter rule REJECTs the SYN.
    let syn = Packet::tcp(
        addr(CLIENT),
        addr("10.96.0.5"),
        TcpSegment::syn(51234, 80, 7),
    );
    let unreachable = |code| {
        Packet::icmp(
            addr(NODE),
            addr(CLIENT),
            IcmpMessage::DestinationUnreachable {
                code,
                original: Box::new(syn.clone()),
            },
        )
    };
    let times: Vec<LabTime> = (0..5)
        .map(|i| LabTime::hms_micros(22, 13, 20 + i, 123456))
        .collect();
    push(times[0], &unreachable(UnreachableCode::Net));
    push(times[1], &unreachable(UnreachableCode::Host));
    push(times[2], &unreachable(UnreachableCode::AdminProhibited));
    let expired = Packet::icmp(
        addr(NODE),
        addr(CLIENT),
        IcmpMessage::TimeExceeded {
            original: Box::new(syn.clone()),
        },
    );
    push(times[3], &expired);
    push(times[4], &unreachable(UnreachableCode::Port));
    let ping = Packet::icmp(
        addr(TUNL0),
        addr(POD),
        IcmpMessage::EchoRequest {
            id: 7,
            seq: 1,
            data_len: 56,
        },
    );
    push(LabTime::hms_micros(22, 13, 25, 0), &ping);
    push(LabTime::hms_micros(22, 13, 25, 80), &ping.reply().unwrap());
    // A UDP datagram to a closed port, as recorded in observed/tcpdump-udp-icmp-rst.txt.
    let udp = Packet::udp(
        addr(CLIENT),
        addr(NODE),
        UdpDatagram::opaque(40001, 9999, 20),
    );
    let refused = Packet::icmp(
        addr(NODE),
        addr(CLIENT),
        IcmpMessage::DestinationUnreachable {
            code: UnreachableCode::Port,
            original: Box::new(udp),
        },
    );
    push(LabTime::hms_micros(16, 12, 58, 65898), &refused);
    expect_file!["packet/icmp/tcpdump.txt"].assert_eq(&out);

    // Every line but the echo pair was checked against tcpdump 4.99.3.
    let lines: Vec<&str> = out.lines().collect();
    let observed_misc: Vec<&str> = include_str!("packet/observed/tcpdump-synthetic-misc.txt")
        .lines()
        .take(5)
        .collect();
    assert_eq!(lines[..5], observed_misc[..]);
    let observed_udp = include_str!("packet/observed/tcpdump-udp-icmp-rst.txt");
    assert!(
        observed_udp.lines().any(|line| line == lines[7]),
        "{}",
        lines[7]
    );
}

#[test]
fn udp_and_dns_lines() {
    let mut capture = Capture::new("vb", LinkType::Ethernet);
    let mut out = String::new();
    let query = DnsMessage::query(1234, "web.default.svc.cluster.local");
    let mut answer = query.empty_response();
    answer.answers.push(addr(POD));
    let ask = Packet::udp(
        addr(CLIENT),
        addr(NODE),
        UdpDatagram {
            src_port: 40005,
            dst_port: 53,
            payload: UdpPayload::Dns(query),
        },
    );
    let reply = Packet::udp(
        addr(NODE),
        addr(CLIENT),
        UdpDatagram {
            src_port: 53,
            dst_port: 40005,
            payload: UdpPayload::Dns(answer),
        },
    );
    let opaque = Packet::udp(
        addr(CLIENT),
        addr(NODE),
        UdpDatagram::opaque(40000, 31053, 20),
    );
    let echoed = Packet::udp(
        addr(NODE),
        addr(CLIENT),
        UdpDatagram::opaque(31053, 40000, 20),
    );
    for (time, packet) in [
        (LabTime::hms_micros(16, 13, 15, 290327), &ask),
        (LabTime::hms_micros(16, 13, 15, 290577), &reply),
        (LabTime::hms_micros(16, 12, 57, 946178), &opaque),
        (LabTime::hms_micros(16, 12, 57, 946614), &echoed),
    ] {
        out.push_str(&capture.line(time, packet));
        out.push('\n');
    }
    expect_file!["packet/udp_dns/tcpdump.txt"].assert_eq(&out);
    let observed = format!(
        "{}{}",
        include_str!("packet/observed/tcpdump-dns.txt"),
        include_str!("packet/observed/tcpdump-udp-icmp-rst.txt")
    );
    for line in out.lines() {
        assert!(
            observed.lines().any(|real| real == line),
            "not in the real capture: {line}"
        );
    }
}

/// The blog post's NodePort entry on node1 once the connection is up: DNAT to the pod,
/// SNAT to tunl0's address with a `--random-fully` port.
#[test]
fn nodeport_conntrack_entry_dnat_and_snat() {
    let start = LabTime::hms_micros(10, 0, 0, 0);
    let syn = Packet::tcp(
        addr(CLIENT),
        addr(NODE),
        TcpSegment::syn(51234, 31000, 1000),
    );
    let mut table = ConntrackTable::new();
    let entry = Entry::new(&syn, 0, start)
        .unwrap()
        .with_dnat(addr(POD), Some(80))
        .with_snat(addr(TUNL0), Some(40123));
    let id = table.confirm(entry).unwrap();
    // The pod answers the translated SYN (192.168.56.128:40123 -> 192.168.231.166:80).
    let translated = table.nat_rewrite(&syn, 0).unwrap();
    let mut pod_synack = translated.reply().unwrap();
    if let engine::packet::Payload::Tcp(segment) = &mut pod_synack.payload {
        segment.seq = 5000;
    }
    assert_eq!(
        table.lookup_packet(&pod_synack, 0),
        Some((id, Direction::Reply))
    );
    table
        .observe(&pod_synack, 0, start.plus_micros(300))
        .unwrap();
    let ack = Packet::tcp(
        addr(CLIENT),
        addr(NODE),
        TcpSegment::established(51234, 31000, 1001, 5001, TcpFlags::empty()),
    );
    table.observe(&ack, 0, start.plus_micros(600)).unwrap();
    let (stdout, stderr) = render::list(&table, start.plus_micros(600).plus_secs(1));
    let text = format!("{stdout}{stderr}");
    expect_file!["packet/nodeport_conntrack/conntrack-L.txt"].assert_eq(&text);
    assert_eq!(
        text,
        "tcp      6 431999 ESTABLISHED src=172.16.120.61 dst=172.16.120.63 sport=51234 dport=31000 src=192.168.231.166 dst=192.168.56.128 sport=80 dport=40123 [ASSURED] mark=0 use=1\nconntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n"
    );
}
