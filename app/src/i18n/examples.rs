//! English and Japanese for the Examples menu, the LoadBalancer note and the histogram.
//!
//! Part of [`crate::i18n`]. Names, kinds, fields, ports and addresses stay as written
//! (`sample-lb`, `status.loadBalancer.ingress`, `8080:31000/TCP`).

use super::Lang;
use crate::examples::Example;
use crate::histogram::ChiSquare;
use crate::loadbalancer::{PendingLoadBalancer, PendingReason};

/// The menu entry.
pub fn title(example: Example, lang: Lang) -> &'static str {
    let (en, ja) = match example {
        Example::Post => ("The post's whole demo (NodePort + Ingress)", "記事のデモ全体（NodePort と Ingress）"),
        Example::ClusterIp => ("ClusterIP with two pods", "Pod 2 つの ClusterIP"),
        Example::NodePort => ("NodePort across nodes", "ノードをまたぐ NodePort"),
        Example::LoadBalancer => ("LoadBalancer pending: no provider", "LoadBalancer が pending のまま（提供元なし）"),
        Example::MetalLb => ("MetalLB layer 2", "MetalLB レイヤー 2"),
        Example::CloudLb => ("Cloud load balancer", "クラウドのロードバランサー"),
        Example::IngressHosts => ("Ingress with hosts", "ホスト名つきの Ingress"),
        Example::IngressMetalLb => ("Ingress behind MetalLB", "MetalLB の後ろの Ingress"),
        Example::EtpLocal => ("externalTrafficPolicy: Local and the source IP", "externalTrafficPolicy: Local と送信元 IP"),
        Example::SessionAffinity => ("Session affinity (ClientIP)", "セッションアフィニティ（ClientIP）"),
    };
    pick(lang, en, ja)
}

/// One or two sentences on what the example shows and what to try.
pub fn description(example: Example, lang: Lang) -> &'static str {
    let (en, ja) = match example {
        Example::Post => (
            "The blog post's cluster: nginx on node2 behind NodePort 31000, and Contour (envoy NodePort 32023) sending /cinnamon and /butterscotch to two http-echo pods. Try curl http://172.16.120.63:32023/cinnamon from the client.",
            "ブログ記事のクラスター：node2 の nginx を NodePort 31000 で公開し、Contour（envoy の NodePort 32023）が /cinnamon と /butterscotch を 2 つの http-echo Pod に振り分けます。client から curl http://172.16.120.63:32023/cinnamon を試してください。",
        ),
        Example::ClusterIp => (
            "The post's ClusterIP: kube-proxy's rules pick each of the two nginx pods with probability 0.5. The address answers only inside the cluster.",
            "記事の ClusterIP：kube-proxy のルールが 2 つの nginx Pod をそれぞれ確率 0.5 で選びます。このアドレスに届くのはクラスターの中からだけです。",
        ),
        Example::NodePort => (
            "The post's NodePort: node1:31000 is DNATed to the nginx pod on node2 (192.168.231.166) and crosses the IPIP tunnel; the reply goes back through node1.",
            "記事の NodePort：node1:31000 への接続は node2 の nginx Pod（192.168.231.166）へ DNAT され、IPIP トンネルを通ります。応答は node1 を通って戻ります。",
        ),
        Example::LoadBalancer => (
            "The post's sample-lb with nothing to provide a load balancer: EXTERNAL-IP stays <pending>, but NodePort 31000 works on every node.",
            "記事の sample-lb。ロードバランサーを用意するものがないため EXTERNAL-IP は <pending> のままですが、NodePort 31000 はどのノードでも使えます。",
        ),
        Example::MetalLb => (
            "A MetalLB pool on the nodes' LAN: each LoadBalancer gets an address and one node answers ARP for it. eTP Cluster (172.16.120.200) and eTP Local (172.16.120.201) side by side.",
            "ノードの LAN 上の MetalLB プール：LoadBalancer ごとにアドレスが割り当てられ、1 つのノードがその ARP に応答します。eTP Cluster（172.16.120.200）と eTP Local（172.16.120.201）を並べています。",
        ),
        Example::CloudLb => (
            "A LoadBalancer as a cloud leaves it: the cloud controller wrote 203.0.113.10 into status.loadBalancer.ingress, and kube-proxy DNATs that address on every node.",
            "クラウドの LoadBalancer：クラウドコントローラーが status.loadBalancer.ingress に 203.0.113.10 を書き込み、kube-proxy が各ノードでそのアドレスを DNAT します。",
        ),
        Example::IngressHosts => (
            "A networking.k8s.io/v1 Ingress with host rules, a wildcard host, Exact and Prefix paths and a default backend, routed by Contour (envoy NodePort 32023).",
            "ホストのルール、ワイルドカードのホスト、Exact と Prefix のパス、デフォルトバックエンドを持つ networking.k8s.io/v1 の Ingress を、Contour（envoy の NodePort 32023）が振り分けます。",
        ),
        Example::IngressMetalLb => (
            "Contour as upstream ships it: envoy is a LoadBalancer with externalTrafficPolicy: Local, given 172.16.120.240 by MetalLB, so Envoy sees the client's own address.",
            "upstream そのままの Contour：envoy は externalTrafficPolicy: Local の LoadBalancer で、MetalLB から 172.16.120.240 を受け取ります。そのため Envoy にはクライアント自身のアドレスが見えます。",
        ),
        Example::EtpLocal => (
            "externalTrafficPolicy: Local on NodePort 31080: only node2, which runs the pod, answers, and the pod sees the client's address (no SNAT). node1 drops the connection.",
            "NodePort 31080 の externalTrafficPolicy: Local：Pod が動く node2 だけが応答し、Pod にはクライアントのアドレスがそのまま見えます（SNAT なし）。node1 は接続を破棄します。",
        ),
        Example::SessionAffinity => (
            "sessionAffinity: ClientIP on NodePort 31090: the first connection picks one of three pods at random; kube-proxy's recent list sends later ones from the same client to the same pod.",
            "NodePort 31090 の sessionAffinity: ClientIP：最初の接続は 3 つの Pod からランダムに選ばれ、その後は kube-proxy の recent リストにより同じクライアントからの接続が同じ Pod に送られます。",
        ),
    };
    pick(lang, en, ja)
}

/// Why a LoadBalancer Service has no EXTERNAL-IP, and which NodePorts still work.
pub fn pending_note(pending: &PendingLoadBalancer, lang: Lang) -> String {
    let service = &pending.service;
    let why = match (pending.reason, lang) {
        (PendingReason::NoProvider, Lang::En) => "nothing in this cluster provides load balancers: there is no MetalLB IPAddressPool, and no cloud controller writes an address into status.loadBalancer.ingress".to_string(),
        (PendingReason::NoProvider, Lang::Ja) => "このクラスターにはロードバランサーを用意するものがありません。MetalLB の IPAddressPool がなく、status.loadBalancer.ingress にアドレスを書き込むクラウドコントローラーもありません".to_string(),
        (PendingReason::MetalLbRefused, Lang::En) => "MetalLB has pools but gave this Service no address (see the problems under the editor)".to_string(),
        (PendingReason::MetalLbRefused, Lang::Ja) => "MetalLB のプールはありますが、この Service にはアドレスを割り当てませんでした（エディターの下の問題一覧を参照）".to_string(),
    };
    let ports = pending.node_ports.join(", ");
    let works = match (pending.node_ports.is_empty(), &pending.try_url, lang) {
        (true, _, Lang::En) => "It has no NodePort (allocateLoadBalancerNodePorts: false); only its ClusterIP works.".to_string(),
        (true, _, Lang::Ja) => "NodePort もない（allocateLoadBalancerNodePorts: false）ため、使えるのは ClusterIP だけです。".to_string(),
        (false, Some(url), Lang::En) => format!("Its NodePort still works on every node: {ports}, e.g. curl {url} from the client."),
        (false, Some(url), Lang::Ja) => format!("それでも NodePort はどのノードでも使えます：{ports}（例：client から curl {url}）。"),
        (false, None, Lang::En) => format!("Its NodePort still works on every node: {ports}."),
        (false, None, Lang::Ja) => format!("それでも NodePort はどのノードでも使えます：{ports}。"),
    };
    match lang {
        Lang::En => format!("{service} has no EXTERNAL-IP (<pending>): {why}. {works}"),
        Lang::Ja => format!("{service} には EXTERNAL-IP がありません（<pending>）：{why}。{works}"),
    }
}

/// Fixed texts of the histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistogramText {
    Endpoint,
    Exact,
    Observed,
    Connections,
    /// The legend of the outlined bar.
    ExpectedBar,
    /// The legend of the filled bar.
    ObservedBar,
    Truncated,
}

impl HistogramText {
    pub fn text(self, lang: Lang) -> &'static str {
        let (en, ja) = match self {
            HistogramText::Endpoint => ("Endpoint", "エンドポイント"),
            HistogramText::Exact => ("Exact odds", "厳密な確率"),
            HistogramText::Observed => ("Observed", "実測"),
            HistogramText::Connections => ("Connections", "接続数"),
            HistogramText::ExpectedBar => ("outline: the odds kube-proxy's rules give", "枠：kube-proxy のルールが与える確率"),
            HistogramText::ObservedBar => ("filled: where the connections went", "塗り：接続が実際に届いた先"),
            HistogramText::Truncated => (
                "Too many random paths: the exact odds cover only some of them.",
                "ランダムな経路が多すぎるため、厳密な確率は一部の経路だけのものです。",
            ),
        };
        pick(lang, en, ja)
    }
}

/// The histogram's caption: `Where 1,000 connections went`.
pub fn histogram_caption(lang: Lang, runs: u64) -> String {
    let runs = thousands(runs);
    match lang {
        Lang::En => format!("Where {runs} connections went"),
        Lang::Ja => format!("{runs} 回の接続の行き先"),
    }
}

/// The chi-square verdict, a sentence.
pub fn chi_square_verdict(lang: Lang, test: &ChiSquare) -> String {
    let (statistic, df, critical) = (test.statistic, test.degrees_of_freedom, test.critical);
    let mut out = match (lang, test.fits) {
        (Lang::En, true) => format!(
            "χ² = {statistic:.2} (df {df}, limit {critical:.2} at 1 % significance): the counts fit the exact odds."
        ),
        (Lang::En, false) => format!(
            "χ² = {statistic:.2} (df {df}, limit {critical:.2} at 1 % significance): the counts do not fit the exact odds; something other than independent draws decides."
        ),
        (Lang::Ja, true) => {
            format!("χ² = {statistic:.2}（自由度 {df}、有意水準 1 % の限界値 {critical:.2}）：実測は厳密な確率に合っています。")
        }
        (Lang::Ja, false) => format!(
            "χ² = {statistic:.2}（自由度 {df}、有意水準 1 % の限界値 {critical:.2}）：実測は厳密な確率に合いません。独立な抽選以外の何かが行き先を決めています。"
        ),
    };
    if test.unexpected > 0 {
        out.push_str(&match lang {
            Lang::En => format!(" {} connections ended elsewhere and are not part of the test.", test.unexpected),
            Lang::Ja => format!("ほかの {} 回の接続は別の結果に終わったため、検定には含めていません。", test.unexpected),
        });
    }
    if !test.enough_runs {
        out.push_str(match lang {
            Lang::En => " (Too few connections for the test to be trusted: send more.)",
            Lang::Ja => "（接続数が少なく、検定は参考程度です。もっと送ってください。）",
        });
    }
    out
}

/// `1,000` (the comma in both languages, as Japanese writes numbers too).
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn pick(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_has_both_languages() {
        for example in Example::ALL {
            for text in [title, description] {
                let (en, ja) = (text(example, Lang::En), text(example, Lang::Ja));
                assert!(!en.trim().is_empty() && en.is_ascii(), "{example:?}: {en}");
                assert!(!ja.is_ascii() && en != ja, "{example:?}: {ja}");
            }
        }
        for text in [
            HistogramText::Endpoint,
            HistogramText::Exact,
            HistogramText::Observed,
            HistogramText::Connections,
            HistogramText::ExpectedBar,
            HistogramText::ObservedBar,
            HistogramText::Truncated,
        ] {
            assert!(!text.text(Lang::Ja).is_ascii() && text.text(Lang::En) != text.text(Lang::Ja), "{text:?}");
        }
    }

    #[test]
    fn the_verdict_names_the_statistic_and_its_limit() {
        let test = ChiSquare {
            statistic: 2.9204,
            degrees_of_freedom: 1,
            critical: 6.635,
            unexpected: 2,
            fits: true,
            enough_runs: true,
        };
        let en = chi_square_verdict(Lang::En, &test);
        assert!(en.starts_with("χ² = 2.92 (df 1, limit 6.63") && en.contains("fit the exact odds"), "{en}");
        assert!(en.contains(" 2 connections ended elsewhere"), "{en}");
        let ja = chi_square_verdict(Lang::Ja, &ChiSquare { fits: false, unexpected: 0, enough_runs: false, ..test });
        assert!(ja.contains("自由度 1") && ja.contains("合いません") && ja.contains("参考程度"), "{ja}");
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(histogram_caption(Lang::Ja, 1000), "1,000 回の接続の行き先");
    }
}
