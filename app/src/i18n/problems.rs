//! The engine's diagnostics in the user's language.
//!
//! Part of [`crate::i18n`]. English is the engine's own sentence (`Problem`'s `Display`);
//! Japanese is worded here from the structured variant, one `match` arm each, so a new
//! `Problem` variant does not compile until it has a Japanese sentence. Names, kinds, field
//! paths and values stay as written. Free-text fragments the engine fills in (`reason`,
//! `detail`, a YAML parser's `message`) are quoted as the engine words them.

use engine::diagnostic::Problem;

use super::Lang;

/// The problem as a sentence in `lang`.
pub fn problem_text(problem: &Problem, lang: Lang) -> String {
    match lang {
        Lang::En => problem.to_string(),
        Lang::Ja => japanese(problem),
    }
}

fn japanese(problem: &Problem) -> String {
    match problem {
        Problem::Syntax { message } => format!("YAML または JSON として読めません：{message}。"),
        Problem::InputTooLarge { bytes, limit } => {
            format!("入力は {bytes} バイトあります。ラボが読むのは {limit} バイトまでのため、読み込みませんでした。")
        }
        Problem::AliasBudgetExceeded { limit } => format!(
            "YAML のアンカーとエイリアスを展開すると {limit} ノードを超えるため、このドキュメントは読み込みませんでした（\"billion laughs\" 攻撃と同じ仕組みです）。"
        ),
        Problem::TooDeep { limit } => format!("ドキュメントの入れ子が {limit} 段より深いため、読み込みませんでした。"),
        Problem::TooManyObjects { count, limit } => {
            format!("入力には {count} 個のオブジェクトがあります。ラボは最初の {limit} 個を読み、残りは無視します。")
        }
        Problem::NotAnObject { found } => format!(
            "このドキュメントは {found} で、Kubernetes のオブジェクト（`apiVersion` と `kind` を持つマッピング）ではありません。"
        ),
        Problem::MissingTypeInfo { field } => {
            format!("このオブジェクトには `{field}` がないため、何のオブジェクトか判断できません。")
        }
        Problem::UnknownKind { api_version, kind } => {
            format!("ラボは kind `{kind}`（{api_version}）を知りません。このオブジェクトは無視します。")
        }
        Problem::UnknownApiVersion { api_version, kind, expected } => {
            format!("`{kind}` は `{api_version}` では提供されていません。`{expected}` を使ってください。")
        }
        Problem::UnknownField { field } => {
            format!("フィールド `{field}` はここでは未知か、ラボが使わないものです。無視します。")
        }
        Problem::MissingField { field } => format!("必須のフィールド `{field}` がありません。"),
        Problem::WrongType { expected, found } => format!("ここには {expected} が必要ですが、{found} があります。"),
        Problem::InvalidValue { value, reason } => format!("`{value}` は正しくありません：{reason}。"),
        Problem::Duplicate { kind, name } => {
            format!("`{name}` という名前の {kind} がすでにあります。こちらは無視します。")
        }
        Problem::Clash { what, value, other } => format!("{what} {value} はすでに {other} が使っています。"),
        Problem::Exhausted { what, range } => format!("{range} には空いている {what} が残っていません。"),
        Problem::SelectorMatchesNothing { selector } => format!(
            "セレクター `{selector}` に一致する Pod がないため、この Service にはエンドポイントがありません。"
        ),
        Problem::Missing { kind, name } => format!("`{name}` という名前の {kind} はありません。"),
        Problem::NotEmulated { feature, detail } => format!("{feature} はまだラボで再現していません：{detail}。"),
        Problem::Deprecated { what, replacement } => format!("{what} は非推奨です。{replacement} を使ってください。"),
        Problem::Unschedulable { pod, reason } => format!("Pod `{pod}` をスケジュールできません：{reason}。"),
        Problem::Defaulted { what, value } => format!("{what} の指定がないため、ラボは {value} を使います。"),
        Problem::DuplicateKey { key, first_line } => format!(
            "キー `{key}` は {first_line} 行目ですでに設定されています。マッピングでキーを繰り返すことはできないため、このオブジェクトは読み込みません。"
        ),
        Problem::MisspelledField { field, suggestion } => {
            format!("フィールド `{field}` はここでは未知です。`{suggestion}` の間違いではありませんか？無視します。")
        }
        Problem::TooManyValues { limit } => format!(
            "入力の値が {limit} 個を超えています。ラボはここで読むのをやめ、このドキュメントと以降のドキュメントは読み込みません。"
        ),
        Problem::IgnoredAnnotation { key, controller, reason } => {
            format!("{controller} はアノテーション `{key}` を無視します：{reason}。")
        }
        Problem::LoadBalancerPending { reason } => format!("EXTERNAL-IP は <pending> のままです：{reason}。"),
        Problem::NotAnnounced { ip, reason } => {
            format!("MetalLB は {ip} を割り当てましたが、その ARP に応答するノードがありません：{reason}。")
        }
        Problem::UnresolvedBackend { backend, reason } => format!(
            "Contour はバックエンド `{backend}` を飛ばします（\"unresolved service reference\"）：{reason}。このパスへのリクエストには Envoy の 404 が返ります。"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant, with distinctive data.
    fn every_problem() -> Vec<(Problem, Vec<String>)> {
        let s = |text: &str| text.to_string();
        vec![
            (Problem::Syntax { message: s("bad-indent-7") }, vec![s("bad-indent-7")]),
            (Problem::InputTooLarge { bytes: 2_000_003, limit: 1_048_576 }, vec![s("2000003"), s("1048576")]),
            (Problem::AliasBudgetExceeded { limit: 100_007 }, vec![s("100007")]),
            (Problem::TooDeep { limit: 131 }, vec![s("131")]),
            (Problem::TooManyObjects { count: 20_011, limit: 20_000 }, vec![s("20011"), s("20000")]),
            (Problem::NotAnObject { found: s("a list") }, vec![s("a list")]),
            (Problem::MissingTypeInfo { field: s("apiVersion") }, vec![s("`apiVersion`")]),
            (Problem::UnknownKind { api_version: s("example.com/v9"), kind: s("Widget") }, vec![s("Widget"), s("example.com/v9")]),
            (
                Problem::UnknownApiVersion { api_version: s("apps/v1beta9"), kind: s("Deployment"), expected: s("apps/v1") },
                vec![s("apps/v1beta9"), s("`Deployment`"), s("`apps/v1`")],
            ),
            (Problem::UnknownField { field: s("spec.fooBar") }, vec![s("`spec.fooBar`")]),
            (Problem::MissingField { field: s("spec.ports") }, vec![s("`spec.ports`")]),
            (Problem::WrongType { expected: s("a number"), found: s("a list") }, vec![s("a number"), s("a list")]),
            (Problem::InvalidValue { value: s("99999"), reason: s("ports go up to 65535") }, vec![s("`99999`"), s("ports go up to 65535")]),
            (Problem::Duplicate { kind: s("Service"), name: s("web") }, vec![s("Service"), s("`web`")]),
            (
                Problem::Clash { what: s("nodePort"), value: s("31000"), other: s("Service default/a") },
                vec![s("nodePort"), s("31000"), s("Service default/a")],
            ),
            (Problem::Exhausted { what: s("NodePort"), range: s("30000-32767") }, vec![s("NodePort"), s("30000-32767")]),
            (Problem::SelectorMatchesNothing { selector: s("app=nope") }, vec![s("`app=nope`")]),
            (Problem::Missing { kind: s("Service"), name: s("cinnamon") }, vec![s("Service"), s("`cinnamon`")]),
            (Problem::NotEmulated { feature: s("IPv6"), detail: s("dual stack") }, vec![s("IPv6"), s("dual stack")]),
            (Problem::Deprecated { what: s("extensions/v1beta1 Ingress"), replacement: s("networking.k8s.io/v1") }, vec![s("extensions/v1beta1 Ingress"), s("networking.k8s.io/v1")]),
            (Problem::Unschedulable { pod: s("default/web-1"), reason: s("no node fits") }, vec![s("`default/web-1`"), s("no node fits")]),
            (Problem::Defaulted { what: s("Node objects"), value: s("the post's three nodes") }, vec![s("Node objects"), s("the post's three nodes")]),
            (Problem::DuplicateKey { key: s("name"), first_line: 42 }, vec![s("`name`"), s("42")]),
            (Problem::MisspelledField { field: s("selecter"), suggestion: s("selector") }, vec![s("`selecter`"), s("`selector`")]),
            (Problem::TooManyValues { limit: 500_009 }, vec![s("500009")]),
            (
                Problem::IgnoredAnnotation { key: s("ingress.kubernetes.io/rewrite-target"), controller: s("Contour"), reason: s("not a Contour annotation") },
                vec![s("`ingress.kubernetes.io/rewrite-target`"), s("Contour"), s("not a Contour annotation")],
            ),
            (Problem::LoadBalancerPending { reason: s("no pool") }, vec![s("<pending>"), s("no pool")]),
            (Problem::NotAnnounced { ip: s("172.16.120.201"), reason: s("no local endpoint") }, vec![s("172.16.120.201"), s("no local endpoint")]),
            (Problem::UnresolvedBackend { backend: s("cinnamon:80"), reason: s("no such Service") }, vec![s("`cinnamon:80`"), s("no such Service"), s("404")]),
        ]
    }

    const VARIANTS: usize = 29;

    fn variant(problem: &Problem) -> usize {
        match problem {
            Problem::Syntax { .. } => 0,
            Problem::InputTooLarge { .. } => 1,
            Problem::AliasBudgetExceeded { .. } => 2,
            Problem::TooDeep { .. } => 3,
            Problem::TooManyObjects { .. } => 4,
            Problem::NotAnObject { .. } => 5,
            Problem::MissingTypeInfo { .. } => 6,
            Problem::UnknownKind { .. } => 7,
            Problem::UnknownApiVersion { .. } => 8,
            Problem::UnknownField { .. } => 9,
            Problem::MissingField { .. } => 10,
            Problem::WrongType { .. } => 11,
            Problem::InvalidValue { .. } => 12,
            Problem::Duplicate { .. } => 13,
            Problem::Clash { .. } => 14,
            Problem::Exhausted { .. } => 15,
            Problem::SelectorMatchesNothing { .. } => 16,
            Problem::Missing { .. } => 17,
            Problem::NotEmulated { .. } => 18,
            Problem::Deprecated { .. } => 19,
            Problem::Unschedulable { .. } => 20,
            Problem::Defaulted { .. } => 21,
            Problem::DuplicateKey { .. } => 22,
            Problem::MisspelledField { .. } => 23,
            Problem::TooManyValues { .. } => 24,
            Problem::IgnoredAnnotation { .. } => 25,
            Problem::LoadBalancerPending { .. } => 26,
            Problem::NotAnnounced { .. } => 27,
            Problem::UnresolvedBackend { .. } => 28,
        }
    }

    #[test]
    fn every_variant_has_a_japanese_sentence_with_its_data() {
        let problems = every_problem();
        // One of each variant: a new variant fails to compile in `variant` until it is listed.
        let mut seen: Vec<usize> = problems.iter().map(|(problem, _)| variant(problem)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, (0..VARIANTS).collect::<Vec<_>>());
        for (problem, data) in &problems {
            let ja = problem_text(problem, Lang::Ja);
            assert!(!ja.is_ascii(), "{problem:?}: {ja}");
            assert!(ja.ends_with('。'), "{problem:?}: {ja}");
            for value in data {
                assert!(ja.contains(value.as_str()), "{problem:?}: `{value}` missing from {ja}");
            }
            // English is the engine's own sentence, unchanged.
            assert_eq!(problem_text(problem, Lang::En), problem.to_string());
        }
    }
}
