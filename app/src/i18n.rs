//! The app's one message catalogue, in English and Japanese.
//!
//! Every piece of UI text comes from here: fixed strings as [`Msg`] variants (one `match`
//! per language, so a missing translation does not compile), and sentences with numbers or
//! names as functions taking the [`Lang`]. What imitates a real tool (`iptables-save`,
//! `kubectl`, device names, addresses) is never translated. The engine's diagnostics are
//! worded from their structured `Problem` in [`problems`].

pub mod examples;
pub mod problems;

pub mod inspector;
pub mod player;
pub mod tracer;
pub mod bigtext;

/// A UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// The language for a BCP 47 tag such as `navigator.language` (`ja-JP` -> Japanese);
    /// anything else is English.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("ja") { Lang::Ja } else { Lang::En }
    }

    /// The tag for `<html lang>` and for storage.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }
}

/// Fixed UI strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    Title,
    Tagline,
    Manifests,
    Examples,
    Undo,
    Redo,
    Language,
    EditorLabel,
    NoProblems,
    Error,
    Warning,
    Note,
    StaleDiagram,
    Topology,
    DiagramLabel,
    Services,
    ServicesNote,
    Outside,
    ControlPlane,
    Worker,
    Pending,
    /// The diagram's hover text for a LoadBalancer MetalLB left without an address.
    PendingRefused,
    Headless,
    NoCluster,
    PendingPods,
    Terminal,
    TerminalHost,
    TerminalCommand,
    Run,
    TerminalHint,
    Clear,
    TerminalOutput,
    Notes,
    StorageIgnored,
    Analysing,
}

impl Msg {
    /// Every message, for the catalogue's own tests.
    pub const ALL: [Msg; 35] = [
        Msg::Title,
        Msg::Tagline,
        Msg::Manifests,
        Msg::Examples,
        Msg::Undo,
        Msg::Redo,
        Msg::Language,
        Msg::EditorLabel,
        Msg::NoProblems,
        Msg::Error,
        Msg::Warning,
        Msg::Note,
        Msg::StaleDiagram,
        Msg::Topology,
        Msg::DiagramLabel,
        Msg::Services,
        Msg::ServicesNote,
        Msg::Outside,
        Msg::ControlPlane,
        Msg::Worker,
        Msg::Pending,
        Msg::PendingRefused,
        Msg::Headless,
        Msg::NoCluster,
        Msg::PendingPods,
        Msg::Terminal,
        Msg::TerminalHost,
        Msg::TerminalCommand,
        Msg::Run,
        Msg::TerminalHint,
        Msg::Clear,
        Msg::TerminalOutput,
        Msg::Notes,
        Msg::StorageIgnored,
        Msg::Analysing,
    ];

    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en(),
            Lang::Ja => self.ja(),
        }
    }

    fn en(self) -> &'static str {
        match self {
            Msg::Title => "Kube Packet Lab",
            Msg::Tagline => "How Kubernetes Service networking really works, one packet at a time.",
            Msg::Manifests => "Manifests",
            Msg::Examples => "Examples",
            Msg::Undo => "Undo",
            Msg::Redo => "Redo",
            Msg::Language => "Language",
            Msg::EditorLabel => "Kubernetes manifests (YAML)",
            Msg::NoProblems => "No problems.",
            Msg::Error => "error",
            Msg::Warning => "warning",
            Msg::Note => "note",
            Msg::StaleDiagram => "The text has errors: the diagram shows the last cluster that worked.",
            Msg::Topology => "Cluster",
            Msg::DiagramLabel => "Diagram of the cluster: nodes, pods, Services and the underlay network",
            Msg::Services => "Services",
            Msg::ServicesNote => "virtual IPs: they exist only as iptables rules on every node",
            Msg::Outside => "Outside the cluster",
            Msg::ControlPlane => "control plane",
            Msg::Worker => "worker",
            Msg::Pending => "EXTERNAL-IP <pending>: nothing provides load balancers",
            Msg::PendingRefused => "EXTERNAL-IP <pending>: MetalLB gave it no address (the note under the diagram says why)",
            Msg::Headless => "headless: no virtual IP",
            Msg::NoCluster => "No cluster yet: fix the errors in the manifests.",
            Msg::PendingPods => "Not scheduled:",
            Msg::Terminal => "Terminal",
            Msg::TerminalHost => "Run on",
            Msg::TerminalCommand => "Command",
            Msg::Run => "Run",
            Msg::TerminalHint => "Try `kubectl get svc -o wide`, `iptables-save -t nat | grep 31000` or `help`. Output is exactly what the tools print.",
            Msg::Clear => "Clear",
            Msg::TerminalOutput => "Terminal output",
            Msg::Notes => "What the lab assumed",
            Msg::StorageIgnored => "The text saved in this browser could not be used; the example was loaded instead.",
            Msg::Analysing => "Reading the manifests…",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            Msg::Title => "Kube Packet Lab",
            Msg::Tagline => "Kubernetes の Service ネットワークの本当の動きを、パケット 1 つずつ。",
            Msg::Manifests => "マニフェスト",
            Msg::Examples => "サンプル",
            Msg::Undo => "元に戻す",
            Msg::Redo => "やり直す",
            Msg::Language => "言語",
            Msg::EditorLabel => "Kubernetes マニフェスト（YAML）",
            Msg::NoProblems => "問題はありません。",
            Msg::Error => "エラー",
            Msg::Warning => "警告",
            Msg::Note => "補足",
            Msg::StaleDiagram => "テキストにエラーがあります。図は最後に正しく読めたクラスターのままです。",
            Msg::Topology => "クラスター",
            Msg::DiagramLabel => "クラスターの図：ノード、Pod、Service、アンダーレイネットワーク",
            Msg::Services => "Service（サービス）",
            Msg::ServicesNote => "仮想 IP：各ノードの iptables のルールとしてだけ存在します",
            Msg::Outside => "クラスターの外",
            Msg::ControlPlane => "コントロールプレーン",
            Msg::Worker => "ワーカー",
            Msg::Pending => "EXTERNAL-IP <pending>：ロードバランサーを用意するものがありません",
            Msg::PendingRefused => "EXTERNAL-IP <pending>：MetalLB がアドレスを割り当てませんでした（理由は図の下の注記を参照）",
            Msg::Headless => "ヘッドレス：仮想 IP なし",
            Msg::NoCluster => "まだクラスターがありません。マニフェストのエラーを直してください。",
            Msg::PendingPods => "スケジュールされていない Pod：",
            Msg::Terminal => "ターミナル",
            Msg::TerminalHost => "実行するホスト",
            Msg::TerminalCommand => "コマンド",
            Msg::Run => "実行",
            Msg::TerminalHint => "`kubectl get svc -o wide`、`iptables-save -t nat | grep 31000`、`help` などを試してください。出力は本物のツールと同じ形です。",
            Msg::Clear => "消去",
            Msg::TerminalOutput => "ターミナルの出力",
            Msg::Notes => "ラボが補った内容",
            Msg::StorageIgnored => "このブラウザーに保存されたテキストは使えなかったため、サンプルを読み込みました。",
            Msg::Analysing => "マニフェストを読んでいます…",
        }
    }
}

/// `Line 12, column 5`.
pub fn line_column(lang: Lang, line: usize, column: usize) -> String {
    match lang {
        Lang::En => format!("Line {line}, column {column}"),
        Lang::Ja => format!("{line} 行 {column} 列"),
    }
}

/// The diagnostics summary: `2 errors, 1 warning`.
pub fn problem_counts(lang: Lang, errors: usize, warnings: usize) -> String {
    match lang {
        Lang::En => {
            let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
            format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
        }
        Lang::Ja => format!("エラー {errors} 件、警告 {warnings} 件"),
    }
}

/// `+7 more pods`.
pub fn more_pods(lang: Lang, count: usize) -> String {
    match lang {
        Lang::En => format!("+{count} more pods"),
        Lang::Ja => format!("ほか Pod {count} 個"),
    }
}

/// `+7 more Services`.
pub fn more_services(lang: Lang, count: usize) -> String {
    match lang {
        Lang::En => format!("+{count} more Services"),
        Lang::Ja => format!("ほか Service {count} 個"),
    }
}

/// `Underlay 172.16.120.0/24`.
pub fn underlay(lang: Lang, cidr: &str) -> String {
    match lang {
        Lang::En => format!("Underlay {cidr}"),
        Lang::Ja => format!("アンダーレイ {cidr}"),
    }
}

/// The live announcement after the lab was recomputed.
pub fn cluster_updated(lang: Lang, nodes: usize, pods: usize, services: usize) -> String {
    match lang {
        Lang::En => format!("Cluster updated: {nodes} nodes, {pods} pods, {services} Services."),
        Lang::Ja => format!("クラスターを更新しました：ノード {nodes}、Pod {pods}、Service {services}。"),
    }
}

/// Said (and shown) when a chosen example could not be fetched from the page's origin.
pub fn example_failed(lang: Lang, title: &str) -> String {
    match lang {
        Lang::En => format!("The example “{title}” could not be loaded; your text is unchanged."),
        Lang::Ja => format!("サンプル「{title}」を読み込めませんでした。テキストは変更されていません。"),
    }
}

/// The live announcement when the text has errors.
pub fn text_has_errors(lang: Lang, errors: usize, first_line: Option<usize>) -> String {
    match (lang, first_line) {
        (Lang::En, Some(line)) => format!("{errors} errors in the manifests, the first on line {line}."),
        (Lang::En, None) => format!("{errors} errors in the manifests."),
        (Lang::Ja, Some(line)) => format!("マニフェストにエラーが {errors} 件あります（最初は {line} 行目）。"),
        (Lang::Ja, None) => format!("マニフェストにエラーが {errors} 件あります。"),
    }
}

/// The live announcement after a terminal command.
pub fn command_done(lang: Lang, exit_code: i32) -> String {
    match (lang, exit_code) {
        (Lang::En, 0) => "Command finished.".to_string(),
        (Lang::En, code) => format!("Command failed with exit status {code}."),
        (Lang::Ja, 0) => "コマンドが終了しました。".to_string(),
        (Lang::Ja, code) => format!("コマンドが終了ステータス {code} で失敗しました。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages() {
        for msg in Msg::ALL {
            let en = msg.text(Lang::En);
            let ja = msg.text(Lang::Ja);
            assert!(!en.trim().is_empty() && !ja.trim().is_empty(), "{msg:?}");
            // Only the product's name is the same in both.
            if msg != Msg::Title {
                assert_ne!(en, ja, "{msg:?} is not translated");
                assert!(!ja.is_ascii(), "{msg:?}: the Japanese text is ASCII: {ja}");
            }
        }
    }

    #[test]
    fn language_follows_the_browser_tag() {
        assert_eq!(Lang::from_tag("ja"), Lang::Ja);
        assert_eq!(Lang::from_tag("ja-JP"), Lang::Ja);
        assert_eq!(Lang::from_tag("JA_jp"), Lang::Ja);
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("jav"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), lang);
        }
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(problem_counts(Lang::En, 1, 0), "1 error, 0 warnings");
        assert_eq!(problem_counts(Lang::En, 2, 1), "2 errors, 1 warning");
        assert_eq!(problem_counts(Lang::Ja, 2, 1), "エラー 2 件、警告 1 件");
        assert_eq!(line_column(Lang::Ja, 3, 7), "3 行 7 列");
    }
}
