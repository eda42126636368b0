//! The Send form's and the player's words, in English and Japanese.
//!
//! Part of [`crate::i18n`]. A step is explained in a short translated sentence; the exact
//! rule, route or packet text next to it comes from the engine and is never translated.

use std::net::Ipv4Addr;

use engine::conntrack::Direction;
use engine::netfilter::eval::StepOutcome;
use engine::trace::{At, DropReason, Event, Outcome, RouteResult, Step};

use super::Lang;
use crate::send::{Kind, SendError};

/// Fixed strings of the Send form and the player.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum P {
    Send,
    SendTitle,
    From,
    Destination,
    KindClusterIp,
    KindNodePort,
    KindLoadBalancer,
    KindPodIp,
    KindUrl,
    Target,
    OnNode,
    Path,
    HostHeader,
    HostHeaderPlaceholder,
    UrlLabel,
    WillSend,
    NoChoice,
    Play,
    Pause,
    StepBack,
    StepForward,
    Restart,
    Speed,
    KeyStepsOnly,
    Events,
    EventsLabel,
    Time,
    Host,
    Where,
    What,
    Outcome,
    Answer,
    Transcript,
    PlayerHint,
    Send1000,
    SpreadTitle,
    Inspector,
    InspectorPending,
    NoTrace,
}

impl P {
    /// Every message, for the catalogue's own test.
    pub const ALL: [P; 39] = [
        P::Send,
        P::SendTitle,
        P::From,
        P::Destination,
        P::KindClusterIp,
        P::KindNodePort,
        P::KindLoadBalancer,
        P::KindPodIp,
        P::KindUrl,
        P::Target,
        P::OnNode,
        P::Path,
        P::HostHeader,
        P::HostHeaderPlaceholder,
        P::UrlLabel,
        P::WillSend,
        P::NoChoice,
        P::Play,
        P::Pause,
        P::StepBack,
        P::StepForward,
        P::Restart,
        P::Speed,
        P::KeyStepsOnly,
        P::Events,
        P::EventsLabel,
        P::Time,
        P::Host,
        P::Where,
        P::What,
        P::Outcome,
        P::Answer,
        P::Transcript,
        P::PlayerHint,
        P::Send1000,
        P::SpreadTitle,
        P::Inspector,
        P::InspectorPending,
        P::NoTrace,
    ];

    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en(),
            Lang::Ja => self.ja(),
        }
    }

    fn en(self) -> &'static str {
        match self {
            P::Send => "Send",
            P::SendTitle => "Send a connection",
            P::From => "From",
            P::Destination => "To",
            P::KindClusterIp => "Service ClusterIP",
            P::KindNodePort => "NodePort on a node",
            P::KindLoadBalancer => "LoadBalancer IP",
            P::KindPodIp => "Pod IP",
            P::KindUrl => "URL typed by hand",
            P::Target => "Service or pod",
            P::OnNode => "Node",
            P::Path => "Path",
            P::HostHeader => "Host header",
            P::HostHeaderPlaceholder => "(from the URL)",
            P::UrlLabel => "URL",
            P::WillSend => "Will send:",
            P::NoChoice => "(nothing of this kind in the cluster)",
            P::Play => "Play",
            P::Pause => "Pause",
            P::StepBack => "Step back",
            P::StepForward => "Step forward",
            P::Restart => "Restart",
            P::Speed => "Speed",
            P::KeyStepsOnly => "Key steps only",
            P::Events => "Events",
            P::EventsLabel => "Every step of the connection",
            P::Time => "Time",
            P::Host => "Host",
            P::Where => "Where",
            P::What => "What happened",
            P::Outcome => "Outcome",
            P::Answer => "HTTP answer",
            P::Transcript => "Transcript (text of the animation)",
            P::PlayerHint => "Space plays or pauses, → and ← step, Home restarts.",
            P::Send1000 => "Send 1,000",
            P::SpreadTitle => "Where 1,000 connections land",
            P::Inspector => "Inspector",
            P::InspectorPending => "The state of the hosts at this step will be shown here.",
            P::NoTrace => "Nothing sent yet: choose a source and a destination, then Send.",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            P::Send => "送信",
            P::SendTitle => "接続を送る",
            P::From => "送信元",
            P::Destination => "宛先",
            P::KindClusterIp => "Service の ClusterIP",
            P::KindNodePort => "ノードの NodePort",
            P::KindLoadBalancer => "LoadBalancer の IP",
            P::KindPodIp => "Pod の IP",
            P::KindUrl => "URL を直接入力",
            P::Target => "Service または Pod",
            P::OnNode => "ノード",
            P::Path => "パス",
            P::HostHeader => "Host ヘッダー",
            P::HostHeaderPlaceholder => "（URL から）",
            P::UrlLabel => "URL",
            P::WillSend => "送信する URL：",
            P::NoChoice => "（クラスターにこの種類のものはありません）",
            P::Play => "再生",
            P::Pause => "一時停止",
            P::StepBack => "1 つ戻る",
            P::StepForward => "1 つ進む",
            P::Restart => "最初から",
            P::Speed => "速さ",
            P::KeyStepsOnly => "主なステップだけ",
            P::Events => "イベント",
            P::EventsLabel => "接続のすべてのステップ",
            P::Time => "時刻",
            P::Host => "ホスト",
            P::Where => "場所",
            P::What => "起きたこと",
            P::Outcome => "結果",
            P::Answer => "HTTP の応答",
            P::Transcript => "トランスクリプト（アニメーションの文字版）",
            P::PlayerHint => "スペースで再生／一時停止、→ と ← で 1 ステップ、Home で最初へ。",
            P::Send1000 => "1,000 回送る",
            P::SpreadTitle => "1,000 回の接続の行き先",
            P::Inspector => "インスペクター",
            P::InspectorPending => "このステップでのホストの状態がここに表示されます。",
            P::NoTrace => "まだ何も送っていません。送信元と宛先を選んで「送信」を押してください。",
        }
    }
}

/// The name of a destination kind.
pub fn kind(lang: Lang, kind: Kind) -> &'static str {
    match kind {
        Kind::ClusterIp => P::KindClusterIp,
        Kind::NodePort => P::KindNodePort,
        Kind::LoadBalancer => P::KindLoadBalancer,
        Kind::PodIp => P::KindPodIp,
        Kind::Url => P::KindUrl,
    }
    .text(lang)
}

/// Why nothing was sent.
pub fn send_error(lang: Lang, error: &SendError) -> String {
    match (lang, error) {
        (Lang::En, SendError::EmptyUrl) => "Type a URL first, e.g. http://172.16.120.63:31000/.".to_string(),
        (Lang::Ja, SendError::EmptyUrl) => "先に URL を入力してください（例：http://172.16.120.63:31000/）。".to_string(),
        (Lang::En, SendError::NoDestination) => "There is no destination of this kind in the cluster.".to_string(),
        (Lang::Ja, SendError::NoDestination) => "クラスターにこの種類の宛先がありません。".to_string(),
        (Lang::En, SendError::NoCluster) => "There is no cluster to send in yet.".to_string(),
        (Lang::Ja, SendError::NoCluster) => "送信できるクラスターがまだありません。".to_string(),
        (Lang::En, SendError::UnknownHost(host)) => format!("There is no host named {host} to send from."),
        (Lang::Ja, SendError::UnknownHost(host)) => format!("送信元 {host} というホストはありません。"),
        (lang, SendError::BadUrl { url, why }) => {
            let why = match (lang, why.as_str()) {
                (Lang::En, "unsupported scheme") => "only http:// and https:// are understood",
                (Lang::Ja, "unsupported scheme") => "http:// と https:// だけが使えます",
                (Lang::En, "bad port") => "the port is not a number from 1 to 65535",
                (Lang::Ja, "bad port") => "ポートが 1〜65535 の数ではありません",
                (Lang::En, "no host") => "it names no host",
                (Lang::Ja, "no host") => "ホストがありません",
                (Lang::En, "port 0") => "port 0 cannot be connected to",
                (Lang::Ja, "port 0") => "ポート 0 には接続できません",
                (Lang::En, _) => "it cannot be read",
                (Lang::Ja, _) => "読み取れません",
            };
            match lang {
                Lang::En => format!("The URL {url} was not sent: {why}."),
                Lang::Ja => format!("URL {url} は送信しませんでした：{why}。"),
            }
        }
    }
}

/// `hook` as the kernel names it, for sentences.
fn hook_name(at: &At) -> String {
    match at {
        At::Table { hook, table } => format!("{} {}", table.name(), hook.name()),
        At::Conntrack(hook) => hook.name().to_string(),
        _ => String::new(),
    }
}

/// The column "Where": the device, hook and table, or routing or socket, as the kernel names
/// them (not translated).
pub fn place(at: &At) -> String {
    at.to_string()
}

/// A short explanation of one step.
pub fn explain(lang: Lang, step: &Step) -> String {
    let en = lang == Lang::En;
    let pick = |en_text: String, ja_text: String| if en { en_text } else { ja_text };
    match &step.event {
        Event::DeviceTx { .. } => {
            let dev = device(&step.at);
            pick(format!("The packet leaves through {dev}."), format!("パケットが {dev} から出ていきます。"))
        }
        Event::DeviceRx { .. } => {
            let dev = device(&step.at);
            pick(format!("The packet arrives on {dev}."), format!("パケットが {dev} に届きます。"))
        }
        Event::ProxyArp { dev, address } => pick(
            format!("{dev} answers ARP for {address} (proxy ARP: Calico's gateway trick)."),
            format!("{dev} が {address} の ARP に代理で応答します（Calico のゲートウェイの仕組み）。"),
        ),
        Event::Rule(rule) => rule_sentence(en, rule.number(), &rule.outcome, rule.matched()),
        Event::Verdict(verdict) => pick(
            format!("The {} table lets it go on: {verdict}.", hook_name(&step.at)),
            format!("{} の判定：{verdict}。", hook_name(&step.at)),
        ),
        Event::Mark { before, after } => pick(
            format!("The packet mark changes from {before:#x} to {after:#x}."),
            format!("パケットのマークが {before:#x} から {after:#x} に変わります。"),
        ),
        Event::Dnat { after, .. } => {
            let to = destination(after);
            pick(
                format!("DNAT: the destination becomes {to}. kube-proxy's rules picked this endpoint."),
                format!("DNAT：宛先が {to} に書き換わります。kube-proxy のルールがこのエンドポイントを選びました。"),
            )
        }
        Event::Snat { masquerade: true, after, .. } => {
            let from = source(after);
            pick(
                format!("MASQUERADE: the source becomes {from}, this host's address, so the answer comes back here."),
                format!("MASQUERADE：送信元がこのホストのアドレス {from} に書き換わり、応答がここに戻るようになります。"),
            )
        }
        Event::Snat { after, .. } => {
            let from = source(after);
            pick(format!("SNAT: the source becomes {from}."), format!("SNAT：送信元が {from} に書き換わります。"))
        }
        Event::Route { destination, result, .. } => route_sentence(en, *destination, result),
        Event::Encap { after, .. } => {
            let outer = format!("{} > {}", after.ip.src, after.ip.dst);
            pick(
                format!("IPIP: tunl0 wraps the packet in an outer header {outer}, node to node."),
                format!("IPIP：tunl0 がパケットを外側のヘッダー {outer}（ノードからノードへ）で包みます。"),
            )
        }
        Event::Decap { .. } => pick(
            "IPIP: the outer header is removed; the pod's packet comes out of tunl0.".to_string(),
            "IPIP：外側のヘッダーが外され、Pod 宛てのパケットが tunl0 から出てきます。".to_string(),
        ),
        Event::Forwarded { ttl } => pick(
            format!("The host forwards the packet (not for itself); TTL is now {ttl}."),
            format!("自分宛てではないのでホストが転送します。TTL は {ttl} になります。"),
        ),
        Event::ConntrackNew { .. } => pick(
            "conntrack: a new connection; an entry is made.".to_string(),
            "conntrack：新しい接続なのでエントリーを作ります。".to_string(),
        ),
        Event::ConntrackConfirmed { .. } => pick(
            "conntrack: the entry is confirmed, with the NAT it recorded.".to_string(),
            "conntrack：記録した NAT とともにエントリーが確定します。".to_string(),
        ),
        Event::ConntrackHit { direction, .. } => {
            let (en_dir, ja_dir) = match direction {
                Direction::Original => ("original", "往路"),
                Direction::Reply => ("reply", "復路"),
            };
            pick(
                format!("conntrack: the packet belongs to a known connection ({en_dir} direction); the nat table is skipped."),
                format!("conntrack：既知の接続（{ja_dir}）のパケットなので nat テーブルは通りません。"),
            )
        }
        Event::ConntrackNat { after, .. } => {
            let ends = format!("{} > {}", source(after), destination(after));
            pick(
                format!("conntrack undoes or repeats the NAT from its entry: now {ends}."),
                format!("conntrack がエントリーに従って NAT を戻す／繰り返します：{ends}。"),
            )
        }
        Event::AppReceived { app, port } => pick(
            format!("{app} accepts the connection on port {port}."),
            format!("{app} がポート {port} で接続を受け付けます。"),
        ),
        Event::AppResponded { .. } => pick("The server answers.".to_string(), "サーバーが応答します。".to_string()),
        Event::Reset { .. } => pick(
            "Nothing listens on this port: the kernel answers with a TCP reset.".to_string(),
            "このポートで待ち受けるものがないため、カーネルが TCP リセットで応えます。".to_string(),
        ),
        Event::Dropped { reason, .. } => pick(
            format!("The packet is dropped ({}).", drop_reason(Lang::En, reason)),
            format!("パケットが捨てられます（{}）。", drop_reason(Lang::Ja, reason)),
        ),
        Event::Rejected { with, .. } => pick(
            format!("A REJECT rule answers with {with}."),
            format!("REJECT ルールが {with} で応答します。"),
        ),
        Event::NoRoute { destination } => pick(
            format!("No route to {destination}."),
            format!("{destination} への経路がありません。"),
        ),
        Event::NotEmulated { what } => pick(
            format!("The lab does not emulate this: {what}."),
            format!("ラボはこれを再現しません：{what}。"),
        ),
        Event::HopLimit { hops } => pick(
            format!("Stopped after {hops} hops: a routing loop."),
            format!("{hops} ホップで打ち切りました（経路のループ）。"),
        ),
        Event::CloudBalancer { address, node, .. } => pick(
            format!("The cloud load balancer for {address} passes the packet, unchanged, to {node}."),
            format!("{address} のクラウドロードバランサーがパケットをそのまま {node} へ渡します。"),
        ),
        Event::EnvoyRoute { decision, upstream } => match (decision.route(), upstream) {
            (Some(route), Some(endpoint)) => pick(
                format!("Envoy reads Host {} and path {}: route to {}, endpoint {}:{}.", decision.host, decision.path, route.backend, endpoint.ip, endpoint.port),
                format!("Envoy が Host {} とパス {} を読み、{} のエンドポイント {}:{} へ振り分けます。", decision.host, decision.path, route.backend, endpoint.ip, endpoint.port),
            ),
            (Some(route), None) => pick(
                format!("Envoy routes to {}, which has no ready endpoint: 503.", route.backend),
                format!("Envoy は {} へ振り分けますが、準備のできたエンドポイントがありません：503。", route.backend),
            ),
            (None, _) => pick(
                format!("No Ingress rule matches Host {} path {}: Envoy answers 404.", decision.host, decision.path),
                format!("Host {} パス {} に合う Ingress ルールがなく、Envoy が 404 を返します。", decision.host, decision.path),
            ),
        },
    }
}

fn device(at: &At) -> String {
    match at {
        At::Device(dev) => dev.clone(),
        other => other.to_string(),
    }
}

fn destination(packet: &engine::packet::Packet) -> String {
    let inner = packet.innermost();
    match inner.endpoints() {
        Some(ends) => format!("{}:{}", ends.dst, ends.dst_port),
        None => inner.ip.dst.to_string(),
    }
}

fn source(packet: &engine::packet::Packet) -> String {
    let inner = packet.innermost();
    match inner.endpoints() {
        Some(ends) => format!("{}:{}", ends.src, ends.src_port),
        None => inner.ip.src.to_string(),
    }
}

fn rule_sentence(en: bool, number: Option<usize>, outcome: &StepOutcome, matched: bool) -> String {
    let place = |en: bool| match (en, number) {
        (true, Some(n)) => format!("Rule {n}"),
        (false, Some(n)) => format!("ルール {n}"),
        (true, None) => "End of chain".to_string(),
        (false, None) => "チェーンの終わり".to_string(),
    };
    let place = place(en);
    let (en_text, ja_text) = match outcome {
        StepOutcome::NoMatch => ("does not match; the next rule is tried".to_string(), "は一致せず、次のルールへ".to_string()),
        StepOutcome::Counted | StepOutcome::Logged => ("matches and only counts; go on".to_string(), "は一致し、数えるだけで先へ".to_string()),
        StepOutcome::Mark { after, .. } => (format!("sets the mark to {after:#x}"), format!("がマークを {after:#x} にします")),
        StepOutcome::Jump(chain) => (format!("matches: jump to {chain}"), format!("に一致：{chain} へジャンプ")),
        StepOutcome::Goto(chain) => (format!("matches: go to {chain}"), format!("に一致：{chain} へ移動")),
        StepOutcome::Return { to: Some(chain) } => (format!("returns to {chain}"), format!("で {chain} に戻る")),
        StepOutcome::Return { to: None } => ("returns".to_string(), "で戻る".to_string()),
        StepOutcome::Accept => ("accepts the packet".to_string(), "がパケットを通す（ACCEPT）".to_string()),
        StepOutcome::Drop => ("drops the packet".to_string(), "がパケットを捨てる（DROP）".to_string()),
        StepOutcome::Reject(with) => (format!("rejects it with {with}"), format!("が {with} で拒否する")),
        StepOutcome::Nat(decision) => (format!("matches: {decision}"), format!("に一致：{decision}")),
        StepOutcome::Policy(policy) => (format!("the chain's policy {policy} applies"), format!("でチェーンのポリシー {policy} が適用")),
        StepOutcome::NotEmulated { why } => (format!("is not emulated: {why}"), format!("は再現できません：{why}")),
    };
    let _ = matched;
    if en { format!("{place} {en_text}.") } else { format!("{place}{ja_text}。") }
}

fn route_sentence(en: bool, destination: Ipv4Addr, result: &RouteResult) -> String {
    match (en, result) {
        (true, RouteResult::Local) => format!("Routing: {destination} is this host's own address; it is delivered here."),
        (false, RouteResult::Local) => format!("経路選択：{destination} はこのホスト自身のアドレスなので、ここで受け取ります。"),
        (true, RouteResult::Unicast { dev, via: Some(via), .. }) => {
            format!("Routing: to {destination} out of {dev}, via {via}.")
        }
        (false, RouteResult::Unicast { dev, via: Some(via), .. }) => {
            format!("経路選択：{destination} へは {dev} から {via} 経由で送ります。")
        }
        (true, RouteResult::Unicast { dev, via: None, .. }) => format!("Routing: to {destination} out of {dev}."),
        (false, RouteResult::Unicast { dev, via: None, .. }) => format!("経路選択：{destination} へは {dev} から送ります。"),
        (true, RouteResult::Refused { kind }) => format!("Routing: a {kind} route refuses {destination}."),
        (false, RouteResult::Refused { kind }) => format!("経路選択：{kind} 経路が {destination} を拒みます。"),
        (true, RouteResult::NoRoute) => format!("Routing: no route to {destination}."),
        (false, RouteResult::NoRoute) => format!("経路選択：{destination} への経路がありません。"),
        (true, RouteResult::Martian) => format!("Routing: {destination} is a martian address; refused."),
        (false, RouteResult::Martian) => format!("経路選択：{destination} は不正（martian）なアドレスなので拒否します。"),
    }
}

fn drop_reason(lang: Lang, reason: &DropReason) -> String {
    match (lang, reason) {
        (Lang::En, _) => reason.to_string(),
        (Lang::Ja, DropReason::Rule) => "ルール".to_string(),
        (Lang::Ja, DropReason::Blackhole) => "blackhole 経路".to_string(),
        (Lang::Ja, DropReason::Martian) => "不正なアドレス".to_string(),
        (Lang::Ja, DropReason::TtlExceeded) => "TTL 切れ".to_string(),
        (Lang::Ja, DropReason::NoNeighbour(address)) => format!("{address} の ARP に応答するホストがない"),
        (Lang::Ja, DropReason::Invalid) => "conntrack が INVALID と判定".to_string(),
        (Lang::Ja, DropReason::NoMasqueradeSource) => "MASQUERADE に使えるアドレスがない".to_string(),
        (Lang::Ja, DropReason::NatClash) => "空いている NAT のタプルがない".to_string(),
        (Lang::Ja, DropReason::UnexpectedReply) => "応答がソケットと合わない".to_string(),
        (Lang::Ja, DropReason::HopLimit) => "ホップ数の上限".to_string(),
    }
}

/// How the connection ended, in a sentence.
pub fn outcome(lang: Lang, outcome: &Outcome) -> String {
    match (lang, outcome) {
        (Lang::En, Outcome::Answered { host, app, seen_source, .. }) => format!(
            "Answered by {host} ({app}), which saw the connection come from {}:{}.",
            seen_source.0, seen_source.1
        ),
        (Lang::Ja, Outcome::Answered { host, app, seen_source, .. }) => format!(
            "{host}（{app}）が応答しました。接続元は {}:{} に見えていました。",
            seen_source.0, seen_source.1
        ),
        (Lang::En, Outcome::Refused { host }) => format!("Refused by {host}: nothing listens there (TCP reset)."),
        (Lang::Ja, Outcome::Refused { host }) => format!("{host} が拒否しました：待ち受けがありません（TCP リセット）。"),
        (Lang::En, Outcome::Rejected { host, with, rule }) => {
            format!("Rejected on {host} with {with} by {} {} #{}.", rule.table.name(), rule.chain, rule.number)
        }
        (Lang::Ja, Outcome::Rejected { host, with, rule }) => {
            format!("{host} で {} {} #{} により {with} で拒否されました。", rule.table.name(), rule.chain, rule.number)
        }
        (Lang::En, Outcome::Dropped { host, rule: Some(rule), .. }) => {
            format!("Dropped on {host} by {} {} #{}: the client times out.", rule.table.name(), rule.chain, rule.number)
        }
        (Lang::Ja, Outcome::Dropped { host, rule: Some(rule), .. }) => {
            format!("{host} で {} {} #{} により捨てられました。クライアントはタイムアウトします。", rule.table.name(), rule.chain, rule.number)
        }
        (lang, Outcome::Dropped { host, reason, rule: None }) => match lang {
            Lang::En => format!("Dropped on {host} ({}): the client times out.", drop_reason(lang, reason)),
            Lang::Ja => format!("{host} で捨てられました（{}）。クライアントはタイムアウトします。", drop_reason(lang, reason)),
        },
        (Lang::En, Outcome::NoRoute { host, destination }) => format!("{host} has no route to {destination}."),
        (Lang::Ja, Outcome::NoRoute { host, destination }) => format!("{host} に {destination} への経路がありません。"),
        (Lang::En, Outcome::Timeout { host, reason }) => format!("Timed out: the answer from {host} was lost ({reason})."),
        (Lang::Ja, Outcome::Timeout { host, reason }) => format!("タイムアウト：{host} からの応答が失われました（{reason}）。"),
        (Lang::En, Outcome::Unresolved { name }) => format!("Could not resolve host {name}."),
        (Lang::Ja, Outcome::Unresolved { name }) => format!("ホスト名 {name} を解決できませんでした。"),
        (Lang::En, Outcome::NotEmulated { what }) => format!("Not emulated by the lab: {what}."),
        (Lang::Ja, Outcome::NotEmulated { what }) => format!("ラボでは再現できません：{what}。"),
    }
}

/// `Step 12 of 340`.
pub fn step_of(lang: Lang, index: usize, total: usize) -> String {
    match lang {
        Lang::En => format!("Step {} of {total}", index.saturating_add(1)),
        Lang::Ja => format!("ステップ {} / {total}", index.saturating_add(1)),
    }
}

/// The live announcement of the current step.
pub fn step_announcement(lang: Lang, index: usize, total: usize, step: &Step) -> String {
    format!("{}: {} {}", step_of(lang, index, total), step.host, explain(lang, step))
}

/// The announcement after Send 1,000.
pub fn spread_done(lang: Lang, runs: u64) -> String {
    match lang {
        Lang::En => format!("{runs} connections sent; the shares are below the events."),
        Lang::Ja => format!("{runs} 回の接続を送りました。割合はイベントの下にあります。"),
    }
}

/// `the statistic draw 1234 < 1073741824`.
pub fn draw(lang: Lang, value: u32, threshold: u32, taken: bool) -> String {
    match (lang, taken) {
        (Lang::En, true) => format!("random draw {value} < {threshold}: taken"),
        (Lang::En, false) => format!("random draw {value} ≥ {threshold}: not taken"),
        (Lang::Ja, true) => format!("乱数 {value} < {threshold}：選ばれる"),
        (Lang::Ja, false) => format!("乱数 {value} ≥ {threshold}：選ばれない"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_player_message_has_both_languages() {
        for msg in P::ALL {
            let (en, ja) = (msg.text(Lang::En), msg.text(Lang::Ja));
            assert!(!en.trim().is_empty() && !ja.trim().is_empty(), "{msg:?}");
            if msg != P::UrlLabel {
                assert_ne!(en, ja, "{msg:?} is not translated");
                assert!(!ja.is_ascii(), "{msg:?}: {ja}");
            }
        }
    }

    #[test]
    fn url_errors_are_worded_in_both_languages() {
        let error = SendError::BadUrl { url: "ftp://x".into(), why: "unsupported scheme".into() };
        assert_eq!(send_error(Lang::En, &error), "The URL ftp://x was not sent: only http:// and https:// are understood.");
        assert!(send_error(Lang::Ja, &error).contains("http:// と https://"));
    }
}
