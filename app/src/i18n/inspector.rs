//! The Inspector's words in English and Japanese: panel labels and one paragraph per kind
//! of step ([`explain`]). Tool output inside the panel (iptables-save, ip route,
//! conntrack -L, tcpdump) is never translated.

use super::Lang;
use crate::inspector::StepKind;

/// Fixed labels of the Inspector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    Inspector,
    NoStep,
    WhatHappens,
    Headers,
    Field,
    Before,
    After,
    Value,
    Carried,
    NoPacket,
    Outer,
    Inner,
    Changed,
    Added,
    Removed,
    Tcpdump,
    Rules,
    NotATable,
    Walked,
    Matched,
    NotMatched,
    NotReached,
    NotEmulated,
    Routes,
    Conntrack,
    Draws,
    NoDraws,
    AllDraws,
}

impl Text {
    pub const ALL: [Text; 28] = [
        Text::Inspector,
        Text::NoStep,
        Text::WhatHappens,
        Text::Headers,
        Text::Field,
        Text::Before,
        Text::After,
        Text::Value,
        Text::Carried,
        Text::NoPacket,
        Text::Outer,
        Text::Inner,
        Text::Changed,
        Text::Added,
        Text::Removed,
        Text::Tcpdump,
        Text::Rules,
        Text::NotATable,
        Text::Walked,
        Text::Matched,
        Text::NotMatched,
        Text::NotReached,
        Text::NotEmulated,
        Text::Routes,
        Text::Conntrack,
        Text::Draws,
        Text::NoDraws,
        Text::AllDraws,
    ];

    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en(),
            Lang::Ja => self.ja(),
        }
    }

    fn en(self) -> &'static str {
        match self {
            Text::Inspector => "Inspector",
            Text::NoStep => "No step selected: send a packet and step through its journey.",
            Text::WhatHappens => "What happens here",
            Text::Headers => "Headers",
            Text::Field => "Field",
            Text::Before => "Before",
            Text::After => "After",
            Text::Value => "Value",
            Text::Carried => "This step holds no packet; this is the packet as it is at this point.",
            Text::NoPacket => "No packet has been on this host yet.",
            Text::Outer => "Outer header (IPIP, added by tunl0)",
            Text::Inner => "Inner packet",
            Text::Changed => "changed",
            Text::Added => "added",
            Text::Removed => "removed",
            Text::Tcpdump => "As tcpdump prints it",
            Text::Rules => "iptables rules",
            Text::NotATable => "This step is not in a netfilter table.",
            Text::Walked => "Rules the kernel walked at this hook",
            Text::Matched => "matches",
            Text::NotMatched => "does not match",
            Text::NotReached => "not reached",
            Text::NotEmulated => "not emulated",
            Text::Routes => "Routes",
            Text::Conntrack => "Connection tracking at this moment",
            Text::Draws => "Random numbers drawn so far",
            Text::NoDraws => "No random number has decided anything yet.",
            Text::AllDraws => "Every number drawn for this connection",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            Text::Inspector => "インスペクター",
            Text::NoStep => "ステップが選ばれていません。パケットを送って、1 ステップずつ追ってください。",
            Text::WhatHappens => "ここで起きること",
            Text::Headers => "ヘッダー",
            Text::Field => "フィールド",
            Text::Before => "前",
            Text::After => "後",
            Text::Value => "値",
            Text::Carried => "このステップはパケットを持ちません。この時点でのパケットを表示しています。",
            Text::NoPacket => "このホストにはまだパケットが来ていません。",
            Text::Outer => "外側ヘッダー（IPIP、tunl0 が付加）",
            Text::Inner => "内側のパケット",
            Text::Changed => "変更",
            Text::Added => "追加",
            Text::Removed => "削除",
            Text::Tcpdump => "tcpdump での表示",
            Text::Rules => "iptables のルール",
            Text::NotATable => "このステップは netfilter のテーブルの中ではありません。",
            Text::Walked => "このフックでカーネルがたどったルール",
            Text::Matched => "一致",
            Text::NotMatched => "不一致",
            Text::NotReached => "未評価",
            Text::NotEmulated => "未対応",
            Text::Routes => "経路",
            Text::Conntrack => "この時点のコネクショントラッキング",
            Text::Draws => "ここまでに引いた乱数",
            Text::NoDraws => "まだ乱数で決まったことはありません。",
            Text::AllDraws => "この接続で引いた乱数すべて",
        }
    }
}

/// `Step 5 of 120`.
pub fn step_of(lang: Lang, index: usize, total: usize) -> String {
    let number = index.saturating_add(1);
    match lang {
        Lang::En => format!("Step {number} of {total}"),
        Lang::Ja => format!("ステップ {number} / {total}"),
    }
}

/// Why a host has no rules to show.
pub fn no_rules(lang: Lang, host: &str) -> String {
    match lang {
        Lang::En => format!(
            "{host} has no kube-proxy rules: only nodes run kube-proxy and Calico's Felix, which write the iptables rules."
        ),
        Lang::Ja => format!(
            "{host} には kube-proxy のルールがありません。iptables のルールを書く kube-proxy と Calico の Felix はノードでだけ動きます。"
        ),
    }
}

/// One paragraph on what a kind of step means.
pub fn explain(kind: StepKind, lang: Lang) -> &'static str {
    match lang {
        Lang::En => explain_en(kind),
        Lang::Ja => explain_ja(kind),
    }
}

fn explain_en(kind: StepKind) -> &'static str {
    match kind {
        StepKind::DeviceRx => "The packet arrived on this network device. This is what tcpdump on the device would capture; from here the kernel's receive path takes over: raw and mangle PREROUTING, conntrack, nat PREROUTING, then the routing decision.",
        StepKind::DeviceTx => "The packet leaves through this device, after POSTROUTING and conntrack's confirmation. tcpdump on the device would capture exactly this; a veth hands it to the pod at the other end, eth0 to the underlay network, tunl0 to the IPIP tunnel.",
        StepKind::ProxyArp => "The host answered ARP for an address it does not own. Calico gives every pod the gateway 169.254.1.1 and turns on proxy ARP on the pod's cali device, so the node answers and receives the pod's packets.",
        StepKind::Rule => "The kernel compares the packet with one rule. Each criterion is tested in order and the first that fails ends the test (the rest are not reached). If all match, the target runs: a jump to another chain, a mark, a NAT rewrite, or a verdict.",
        StepKind::Verdict => "The table is done with the packet at this hook: ACCEPT lets it go on to the next table or hook, DROP discards it silently, REJECT discards it and answers the sender.",
        StepKind::Mark => "A rule changed the packet mark, a number the kernel keeps with the packet on this host. kube-proxy's KUBE-MARK-MASQ sets bit 0x4000 so that KUBE-POSTROUTING later masquerades the packet; Calico uses other bits for its policy.",
        StepKind::Dnat => "A DNAT rule rewrote the destination. kube-proxy writes one KUBE-SEP chain per endpoint, and its DNAT rule sends the packet to that pod's address and port. conntrack stores the rewrite in the connection's entry, so the connection's later packets are rewritten the same way without the nat table, and the replies are un-NATed back to the address the client called.",
        StepKind::Snat => "An SNAT rule rewrote the source address. conntrack remembers the rewrite, so replies come back to this address and are translated back to the original sender.",
        StepKind::Masquerade => "MASQUERADE rewrote the source to the address of the outgoing device. kube-proxy does this for packets it marked with 0x4000 (traffic from outside to a NodePort, for example) so that the reply comes back through this node, which must undo the DNAT. The pod then sees this node's address, not the client's.",
        StepKind::Route => "The routing decision: the kernel looks up the destination in table local (this host's own addresses), then in table main (what `ip route` shows), and picks the longest matching prefix. The route gives the device and the next hop.",
        StepKind::Encap => "Calico's IPIP overlay: the pod network is not routable on the underlay, so tunl0 wraps the packet in a new IPv4 header from this node to the node that owns the destination pod's block (IP protocol 4). The inner packet is unchanged.",
        StepKind::Decap => "The receiving node's tunl0 removed the outer IPIP header. The inner packet continues as if it had arrived on tunl0, with its original pod addresses.",
        StepKind::Forwarded => "The packet is not for this host, so the kernel forwards it: the TTL goes down by one, and the packet passes the FORWARD chains instead of INPUT.",
        StepKind::ConntrackNew => "conntrack saw the first packet of a new connection and made an entry for it. The entry is not in the table yet: NAT rules can still change its reply tuple, and it is inserted at the end of POSTROUTING or INPUT.",
        StepKind::ConntrackConfirmed => "conntrack inserted the connection's entry into the table (it is confirmed). The reply tuple records any NAT done to the first packet, so replies can be recognised and translated back.",
        StepKind::ConntrackHit => "The packet belongs to a connection conntrack already knows. Its NAT is taken from the entry, the nat table is skipped, and the entry's state and timeout are updated.",
        StepKind::ConntrackNat => "conntrack rewrote the packet from the entry's NAT binding. For a reply this is the un-NAT: the pod's address goes back to the Service or node address the client called.",
        StepKind::AppReceived => "The packet reached a listening socket: the application on this host accepts the connection.",
        StepKind::AppResponded => "The application or the host's TCP stack answered. The answer starts its own way back through this host's output path.",
        StepKind::Reset => "Nothing listens on the destination port, so the kernel answered with a TCP reset: the client sees \"Connection refused\".",
        StepKind::Dropped => "The packet was dropped here. With a DROP rule or policy nothing is sent back, so the client waits until it times out.",
        StepKind::Rejected => "A REJECT rule dropped the packet and answered the sender with an ICMP error or a TCP reset. kube-proxy rejects connections to Services without endpoints this way.",
        StepKind::NoRoute => "No route matched the destination, so the packet cannot go on.",
        StepKind::NotEmulated => "The lab does not emulate what would happen here, so the trace stops.",
        StepKind::HopLimit => "The packet crossed too many devices (a routing loop), so the trace stops.",
        StepKind::CloudBalancer => "A cloud provider's load balancer received the packet for its address and passed it unchanged to one of the nodes it checks, where kube-proxy's rules for the LoadBalancer address take over.",
        StepKind::EnvoyRoute => "Envoy, the Ingress proxy, read the HTTP request and chose a backend from the Host header and the path. It then opens its own, second connection to an endpoint of that backend.",
    }
}

fn explain_ja(kind: StepKind) -> &'static str {
    match kind {
        StepKind::DeviceRx => "パケットがこのネットワークデバイスに届きました。デバイスで tcpdump を取ると見えるのがこれです。ここからカーネルの受信処理が始まります（raw・mangle の PREROUTING、conntrack、nat の PREROUTING、そしてルーティングの判断）。",
        StepKind::DeviceTx => "POSTROUTING と conntrack の確定を終え、パケットがこのデバイスから出ていきます。デバイスで tcpdump を取るとこのとおりに見えます。veth なら反対側の Pod へ、eth0 ならアンダーレイのネットワークへ、tunl0 なら IPIP トンネルへ渡ります。",
        StepKind::ProxyArp => "ホストが自分のものではないアドレスの ARP に応答しました。Calico はすべての Pod にゲートウェイ 169.254.1.1 を設定し、Pod の cali デバイスでプロキシ ARP を有効にするので、ノードが応答して Pod のパケットを受け取ります。",
        StepKind::Rule => "カーネルがパケットを 1 つのルールと照合しています。条件は順に調べられ、最初に一致しなかった条件で打ち切られます（残りは未評価）。すべて一致するとターゲットが実行されます（別のチェインへのジャンプ、マーク、NAT の書き換え、または判定）。",
        StepKind::Verdict => "このフックでのテーブルの処理が終わりました。ACCEPT なら次のテーブルやフックへ進み、DROP なら黙って捨て、REJECT なら捨てたうえで送信元に応答します。",
        StepKind::Mark => "ルールがパケットのマークを変えました。マークはこのホストの中でカーネルがパケットに付けておく数値です。kube-proxy の KUBE-MARK-MASQ はビット 0x4000 を立て、後で KUBE-POSTROUTING がそのパケットをマスカレードします。Calico はポリシーのために別のビットを使います。",
        StepKind::Dnat => "DNAT ルールが宛先を書き換えました。kube-proxy はエンドポイントごとに KUBE-SEP チェインを作り、その DNAT ルールがパケットを Pod のアドレスとポートへ送ります。conntrack はこの書き換えを接続のエントリーに記録するので、同じ接続の後続パケットは nat テーブルを通らずに同じように書き換えられ、応答はクライアントが呼んだアドレスへ戻されます（逆 NAT）。",
        StepKind::Snat => "SNAT ルールが送信元アドレスを書き換えました。conntrack がこれを覚えているので、応答はこのアドレスに戻り、元の送信元へ変換し直されます。",
        StepKind::Masquerade => "MASQUERADE が送信元を出ていくデバイスのアドレスに書き換えました。kube-proxy は 0x4000 のマークを付けたパケット（たとえば外から NodePort への通信）にこれを行い、DNAT を元に戻すこのノードを応答が必ず通るようにします。そのため Pod にはクライアントではなくこのノードのアドレスが見えます。",
        StepKind::Route => "ルーティングの判断です。カーネルは宛先をまず local テーブル（このホスト自身のアドレス）、次に main テーブル（`ip route` で見えるもの）で探し、最も長く一致するプレフィックスを選びます。経路が出力デバイスと次のホップを決めます。",
        StepKind::Encap => "Calico の IPIP オーバーレイです。Pod のネットワークはアンダーレイではルーティングできないので、tunl0 がこのノードから宛先 Pod のブロックを持つノードへの新しい IPv4 ヘッダー（IP プロトコル 4）でパケットを包みます。内側のパケットは変わりません。",
        StepKind::Decap => "受け取ったノードの tunl0 が外側の IPIP ヘッダーを外しました。内側のパケットは Pod のアドレスのまま、tunl0 に届いたものとして処理が続きます。",
        StepKind::Forwarded => "パケットはこのホスト宛てではないので、カーネルが転送します。TTL が 1 減り、INPUT ではなく FORWARD のチェインを通ります。",
        StepKind::ConntrackNew => "conntrack が新しい接続の最初のパケットを見て、エントリーを作りました。まだテーブルには入っていません。NAT ルールが応答側のタプルを変える余地があり、POSTROUTING か INPUT の最後でテーブルに登録されます。",
        StepKind::ConntrackConfirmed => "conntrack が接続のエントリーをテーブルに登録しました（確定）。応答側のタプルには最初のパケットに施した NAT が記録されているので、応答を見分けて元に戻せます。",
        StepKind::ConntrackHit => "このパケットは conntrack が既に知っている接続のものです。NAT はエントリーから決まり、nat テーブルは飛ばされ、エントリーの状態とタイムアウトが更新されます。",
        StepKind::ConntrackNat => "conntrack がエントリーの NAT の対応に従ってパケットを書き換えました。応答の場合はこれが逆 NAT で、Pod のアドレスがクライアントの呼んだ Service やノードのアドレスに戻ります。",
        StepKind::AppReceived => "パケットが待ち受け中のソケットに届きました。このホストのアプリケーションが接続を受け付けます。",
        StepKind::AppResponded => "アプリケーションかホストの TCP スタックが応答しました。応答はこのホストの送信処理を通って帰り道をたどります。",
        StepKind::Reset => "宛先ポートで待ち受けているものがないため、カーネルが TCP リセットで応答しました。クライアントには「Connection refused」と表示されます。",
        StepKind::Dropped => "パケットはここで捨てられました。DROP のルールやポリシーでは何も返されないので、クライアントはタイムアウトするまで待ちます。",
        StepKind::Rejected => "REJECT ルールがパケットを捨て、送信元に ICMP エラーか TCP リセットで応答しました。kube-proxy はエンドポイントのない Service への接続をこうして拒否します。",
        StepKind::NoRoute => "宛先に一致する経路がないため、パケットは先へ進めません。",
        StepKind::NotEmulated => "ここで起きることはラボでは再現していないため、トレースはここで止まります。",
        StepKind::HopLimit => "パケットが多くのデバイスを通りすぎました（ルーティングのループ）。トレースはここで止まります。",
        StepKind::CloudBalancer => "クラウドのロードバランサーが自分のアドレス宛てのパケットを受け取り、ヘルスチェックしているノードの 1 つへそのまま渡しました。そこから kube-proxy の LoadBalancer アドレス用のルールが処理します。",
        StepKind::EnvoyRoute => "Ingress のプロキシである Envoy が HTTP リクエストを読み、Host ヘッダーとパスからバックエンドを選びました。その後、そのバックエンドのエンドポイントへ自分で 2 本目の接続を開きます。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_and_explanation_has_both_languages() {
        for text in Text::ALL {
            let (en, ja) = (text.text(Lang::En), text.text(Lang::Ja));
            assert!(!en.trim().is_empty() && !ja.is_ascii(), "{text:?}");
        }
        for kind in StepKind::ALL {
            let (en, ja) = (explain(kind, Lang::En), explain(kind, Lang::Ja));
            assert!(en.len() > 40 && !ja.is_ascii() && en != ja, "{kind:?}");
        }
        assert_eq!(step_of(Lang::En, 0, 12), "Step 1 of 12");
        assert_eq!(step_of(Lang::Ja, 4, 12), "ステップ 5 / 12");
        assert!(no_rules(Lang::Ja, "client").starts_with("client には"));
    }

    #[test]
    fn the_dnat_explanation_names_kube_sep_and_conntrack() {
        let en = explain(StepKind::Dnat, Lang::En);
        assert!(en.contains("KUBE-SEP") && en.contains("conntrack") && en.contains("un-NATed"));
        assert!(explain(StepKind::Dnat, Lang::Ja).contains("KUBE-SEP"));
    }
}
