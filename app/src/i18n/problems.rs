//! The engine's diagnostics in the user's language.
//!
//! Part of [`crate::i18n`]. English is the engine's own sentence (`Problem`'s `Display`);
//! Japanese is worded here from the structured variant, one `match` arm each, so a new
//! `Problem` variant (or a new [`Reason`], [`Subject`], [`Shape`] ... variant) does not
//! compile until it has Japanese wording. Names, kinds, field paths and values stay as
//! written. Messages of other programs that the engine keeps verbatim (a YAML scanner message
//! the engine does not recognise, MetalLB's allocator errors, the RE2 compiler's errors, the
//! lab's own iptables-save reader) are shown in 「」, as Japanese text quotes a tool's output.

use engine::diagnostic::{
    ClassOrigin, Deprecation, Expected, LabDefault, MetalLbError, NameFormat, NameProblem, PortNameProblem,
    Problem, Quantity, Reason, Rejection, ScanMessage, Shape, Subject, SyntaxError, SyntaxHint,
};

use engine::ingress::path::RegexError;
use engine::ingress::re2::Re2Error;

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
        Problem::Syntax { message } => format!("YAML または JSON として読めません：{}。", syntax(message)),
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
            "このドキュメントは{}で、Kubernetes のオブジェクト（`apiVersion` と `kind` を持つマッピング）ではありません。",
            spaced(&shape(found))
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
        Problem::WrongType { expected: want, found } => {
            format!("ここには{}が必要ですが、{}があります。", spaced(expected(*want)), spaced(&shape(found)))
        }
        Problem::InvalidValue { value, reason: why } => format!("`{value}` は正しくありません：{}。", reason(why)),
        Problem::Duplicate { kind, name } => {
            format!("`{name}` という名前の {kind} がすでにあります。こちらは無視します。")
        }
        Problem::Clash { what, value, other } => {
            format!("{} {value} はすでに {other} が使っています。", subject(what))
        }
        Problem::Exhausted { what, range } => {
            format!("{range} には空いている{}が残っていません。", spaced(&subject(what)))
        }
        Problem::SelectorMatchesNothing { selector } => format!(
            "セレクター `{selector}` に一致する Pod がないため、この Service にはエンドポイントがありません。"
        ),
        Problem::Missing { kind, name } => format!("`{name}` という名前の {kind} はありません。"),
        Problem::NotEmulated { feature, detail } => {
            format!("{}はまだラボで再現していません：{}。", before_particle(&subject(feature)), reason(detail))
        }
        Problem::Deprecated { form } => {
            let (old, new) = deprecation(form);
            format!("{}は非推奨です。{}を使ってください。", before_particle(&old), before_particle(&new))
        }
        Problem::Unschedulable { pod, reason: why } => {
            format!("Pod `{pod}` をスケジュールできません：{}。", reason(why))
        }
        Problem::Defaulted { default } => {
            let (what, value) = lab_default(default);
            format!("{}の指定がないため、ラボは {}を使います。", before_particle(&what), before_particle(&value))
        }
        Problem::DuplicateKey { key, first_line } => format!(
            "キー `{key}` は {first_line} 行目ですでに設定されています。マッピングでキーを繰り返すことはできないため、このオブジェクトは読み込みません。"
        ),
        Problem::MisspelledField { field, suggestion } => {
            format!("フィールド `{field}` はここでは未知です。`{suggestion}` の間違いではありませんか？無視します。")
        }
        Problem::TooManyValues { limit } => format!(
            "入力の値が {limit} 個を超えています。ラボはここで読むのをやめ、このドキュメントと以降のドキュメントは読み込みません。"
        ),
        Problem::IgnoredAnnotation { key, controller, reason: why } => {
            format!("{controller} はアノテーション `{key}` を無視します：{}。", reason(why))
        }
        Problem::LoadBalancerPending { reason: why } => {
            format!("EXTERNAL-IP は <pending> のままです：{}。", reason(why))
        }
        Problem::NotAnnounced { ip, reason: why } => format!(
            "MetalLB は {ip} を割り当てましたが、その ARP に応答するノードがありません：{}。",
            reason(why)
        ),
        Problem::UnresolvedBackend { backend, reason: why } => format!(
            "Contour はバックエンド `{backend}` を飛ばします（\"unresolved service reference\"）：{}。このパスへのリクエストには Envoy の 404 が返ります。",
            reason(why)
        ),
        Problem::MoreUnknownFields { count } => {
            format!("ほかにも未知のフィールドが {count} 個あります。これらは無視します。")
        }
        Problem::RenamedField { field, api_version, replacement } => format!(
            "フィールド `{field}` は {api_version} では `{replacement}` という名前です。ここでは未知のため、無視します。"
        ),
        Problem::NoInternalIp => "必須のフィールド `status.addresses` に InternalIP がありません。ラボにはノードのアドレスが必要です。".to_string(),
        Problem::DuplicateConfiguration { kind } => format!("{kind} はすでに指定されています。こちらは無視します。"),
        Problem::SamePortTwice { port, owner } => {
            format!("NodePort {port} は {owner} の別のポートがすでに使っています。")
        }
        Problem::RouteClash { path, host, source, existing } => format!(
            "ホスト {host} のルート `{path}`（{source}）は、すでに {existing} が使っています。Contour はどちらか一方だけを残し、どちらが残るかはキャッシュの順序で決まります（ラボは namespace/name の順で後の Ingress を残します）。"
        ),
    }
}

/// `text` with a space on each side that is Latin (a letter, digit or ASCII mark), as Japanese
/// text sets off embedded English words (`ここには text が`, `ここには数値 7 が`).
fn spaced(text: &str) -> String {
    format!("{}{}", if text.starts_with(|c: char| c.is_ascii()) { " " } else { "" }, before_particle(text))
}

/// `text` followed by a space when it ends in Latin, so a particle can follow
/// (`NodePort は`, `Pod のアドレスは`).
fn before_particle(text: &str) -> String {
    if text.ends_with(|c: char| c.is_ascii()) { format!("{text} ") } else { text.to_string() }
}

/// Quotes another program's message verbatim, in Japanese corner brackets.
fn quoted(message: &str) -> String {
    format!("「{message}」")
}

fn syntax(error: &SyntaxError) -> String {
    match error {
        SyntaxError::FullWidthHash => {
            "`＃` は全角文字で `#` ではないため、この行はコメントにならず、YAML が壊れています。`#` と書いてください".to_string()
        }
        SyntaxError::Scanner { message, hint: None } => scan_message(message),
        SyntaxError::Scanner { message, hint: Some(hint) } => {
            format!("{}（{}）", scan_message(message), syntax_hint(hint))
        }
    }
}

fn syntax_hint(hint: &SyntaxHint) -> String {
    match hint {
        SyntaxHint::Tabs => "YAML のインデントには空白を使います。タブは使えません".to_string(),
        SyntaxHint::UnclosedQuote => "引用符が開いたまま閉じられていません".to_string(),
        SyntaxHint::UnclosedBracket { bracket, line, column } => {
            format!("{line} 行目 {column} 列目の `{bracket}` が閉じられていません")
        }
        SyntaxHint::Indentation => {
            "インデントを確認してください。1 つのマッピングやリストの要素は、同じ列から始める必要があります".to_string()
        }
    }
}

fn scan_message(message: &ScanMessage) -> String {
    let text = match message {
        ScanMessage::MappingValuesNotAllowed => "ここではマッピングの値（`: `）を書けません",
        ScanMessage::MappingKeysNotAllowed => "ここではマッピングのキーを書けません",
        ScanMessage::BlockEntriesNotAllowed => "ここではリストの要素（`- `）を書けません",
        ScanMessage::BlockMappingWithoutKey => "ブロック形式のマッピングの途中で、あるべきキーが見つかりません",
        ScanMessage::BlockCollectionWithoutDash => "ブロック形式のリストの途中で、あるべき `-` が見つかりません",
        ScanMessage::FlowSequenceUnclosed => "フロー形式のリスト（`[...]`）で、`,` か `]` が見つかりません",
        ScanMessage::FlowMappingUnclosed => "フロー形式のマッピング（`{...}`）で、`,` か `}` が見つかりません",
        ScanMessage::QuotedScalarUnclosed => "引用符で囲んだ文字列の途中で入力が終わっています",
        ScanMessage::QuotedScalarDocumentIndicator => {
            "引用符で囲んだ文字列の途中に、ドキュメントの区切り（`---` か `...`）があります"
        }
        ScanMessage::TabIndentation => "インデントにタブは使えません",
        ScanMessage::TabsInContext => "ここではタブを使えません",
        ScanMessage::TabsInBlockIndentation => "ブロックのインデントにタブは使えません",
        ScanMessage::TabInPlainScalar => "引用符で囲んでいない文字列の中にタブがあります",
        ScanMessage::InvalidIndentation => "インデントが正しくありません",
        ScanMessage::InvalidIndentationInFlow => "フロー形式の中のインデントが正しくありません",
        ScanMessage::SimpleKeyWithoutColon => "キーの後に `:` がありません",
        ScanMessage::UnknownAnchor => "定義されていないアンカーを参照しています",
        ScanMessage::DuplicatedAnchor => "同じ名前のアンカーが 2 回定義されています",
        ScanMessage::NoNodeContent => "値があるべき場所に値が見つかりません",
        ScanMessage::UnexpectedEof => "入力が途中で終わっています",
        ScanMessage::UnknownEscape => "引用符で囲んだ文字列に、不明なエスケープ文字があります",
        ScanMessage::UnprintableCharacter => "表示できない文字があります",
        ScanMessage::ColonWithoutSpace => "`:` の後には空白が必要です",
        ScanMessage::DashWithoutSpace => "`-` の後には空白が必要です",
        ScanMessage::MisplacedBracket => "括弧の位置が正しくありません",
        ScanMessage::ContentAfterDocumentEnd => "ドキュメントの終わり（`...`）の後に内容があります",
        ScanMessage::IllegalColon => "ここに `:` は置けません",
        ScanMessage::QuotedScalarIndentation => "引用符で囲んだ文字列の、続きの行のインデントが正しくありません",
        ScanMessage::BlockScalarTab => "ブロックスカラー（`|` や `>`）の内容をタブで始めることはできません",
        ScanMessage::TrailingAfterQuoted => "引用符で閉じた文字列の後に、余分な内容があります",
        ScanMessage::UnexpectedCharacter(character) => {
            return format!("`{character}` はここでは使えない文字です（YAML ではトークンの先頭に置けません）");
        }
        ScanMessage::Other(raw) => return format!("YAML の構文エラー: {}", quoted(raw)),
    };
    text.to_string()
}

fn shape(found: &Shape) -> String {
    match found {
        Shape::List => "リスト".to_string(),
        Shape::Mapping => "マッピング".to_string(),
        Shape::Scalar => "スカラー".to_string(),
        Shape::Null => "null（空の値）".to_string(),
        Shape::Bool(b) => format!("真偽値 {b}"),
        Shape::Number(text) => format!("数値 {text}"),
        Shape::Yaml11Bool(text) => format!("`{text}`（Kubernetes は YAML 1.1 の真偽値として読みます）"),
        Shape::Text(text) => format!("テキスト \"{text}\""),
        Shape::NumberForText(text) => {
            format!("数値 {text}（テキストにするには \"{text}\" のように引用符で囲んでください）")
        }
        Shape::BoolForText(text) => {
            format!("真偽値（`{text}`）（テキストにするには \"{text}\" のように引用符で囲んでください）")
        }
    }
}

fn expected(want: Expected) -> &'static str {
    match want {
        Expected::PlainTextKey => "プレーンなテキストのキー",
        Expected::Mapping => "マッピング（`key: value` の行）",
        Expected::MappingOfTexts => "テキストのマッピング（`key: value` の行）",
        Expected::Text => "テキスト",
        Expected::UnquotedNumber => "数値（引用符なしで書きます）",
        Expected::WholeNumber => "整数",
        Expected::UnquotedBoolean => "真偽値（true か false を引用符なしで書きます）",
        Expected::Boolean => "真偽値（true か false）",
        Expected::List => "リスト（`- ` で始まる行）",
        Expected::ListOfObjects => "オブジェクトのリスト",
        Expected::PortNumberOrName => "ポート番号かポート名",
    }
}

fn subject(what: &Subject) -> String {
    match what {
        Subject::ClusterIp => "ClusterIP".to_string(),
        Subject::NodePort => "NodePort".to_string(),
        Subject::PortName => "ポート名".to_string(),
        Subject::NodeAddress => "ノードアドレス".to_string(),
        Subject::PoolCidr => "プールの CIDR".to_string(),
        Subject::PodIp => "Pod IP".to_string(),
        Subject::PodAddress => "Pod のアドレス".to_string(),
        Subject::TunnelAddress { node } => format!("ノード `{node}` の tunl0 アドレス"),
        Subject::Ipv6 => "IPv6".to_string(),
        Subject::Vxlan => "VXLAN".to_string(),
        Subject::KubeProxyMode { mode } => format!("kube-proxy のモード `{mode}`"),
        Subject::EndpointSliceFamily { family } => format!("{family} の EndpointSlice"),
        Subject::MatchExpressions => "`matchExpressions`".to_string(),
        Subject::NodePortAddressesPrimary => "`nodePortAddresses: [primary]`".to_string(),
        Subject::ResourceBackends => "Resource バックエンド".to_string(),
        Subject::BorrowedPodAddresses => "ほかのノードのブロックにある Pod アドレス".to_string(),
        Subject::IngressClass { class } => format!("Ingress クラス `{class}`"),
        Subject::ExternalNameBackends => "ExternalName のバックエンド".to_string(),
        Subject::IptablesFeature { what } => what.clone(),
    }
}

fn deprecation(form: &Deprecation) -> (String, String) {
    match form {
        Deprecation::BetaIngress { api_version, name_field, port_field } => (
            format!("`{api_version}` の Ingress（Kubernetes v1.22 で削除）"),
            format!(
                "`apiVersion: networking.k8s.io/v1`（`serviceName`/`servicePort` は `{name_field}` と `{port_field}` になり、各パスに `pathType` が必要です。ラボはこの Ingress を `pathType: ImplementationSpecific` の v1 として読みます）"
            ),
        ),
        Deprecation::ServiceNamePort { name, port } => (
            "`serviceName`/`servicePort`（v1beta1 のバックエンドの書き方で、networking.k8s.io/v1 では読まれません）".to_string(),
            format!("`service: {{name: {name}, port: {{number: {port}}}}}`"),
        ),
        Deprecation::Yaml11Bool { text, value } => (
            format!("真偽値としての `{text}`（YAML 1.1 の書き方で、Kubernetes は今も {value} と読みます）"),
            format!("どの YAML パーサーでも同じに読まれる `{value}`"),
        ),
        Deprecation::CalicoIpipBlock => ("`ipip:` ブロック".to_string(), "`ipipMode: Always`".to_string()),
    }
}

fn lab_default(default: &LabDefault) -> (String, String) {
    match default {
        LabDefault::Contour => (
            "Ingress コントローラー".to_string(),
            "ブログ記事と同じ構成の Contour（namespace projectcontour に contour の Deployment、全ノードに envoy の DaemonSet、envoy の Service を NodePort 80:32023/TCP,443:30370/TCP で）".to_string(),
        ),
        LabDefault::Nodes { nodes } => ("Node".to_string(), format!("ブログ記事のノード（{}）", nodes.join("、"))),
        LabDefault::IpPool { name, cidr, block_size } => (
            "Calico の IPPool".to_string(),
            format!("{name} {cidr}（blockSize {block_size}、ipipMode Always、natOutgoing）"),
        ),
        LabDefault::KubeProxy { cluster_cidr } => {
            let cidr = cluster_cidr.as_ref().map(|cidr| format!("、clusterCIDR {cidr}")).unwrap_or_default();
            ("KubeProxyConfiguration".to_string(), format!("mode iptables{cidr}、masqueradeBit 14"))
        }
        LabDefault::Dns { ip } => (
            "クラスター DNS".to_string(),
            format!("CoreDNS（Deployment kube-system/coredns、レプリカ 2 個）と Service kube-system/kube-dns {ip}"),
        ),
    }
}

fn reason(why: &Reason) -> String {
    match why {
        Reason::NotAnIpv4Address => "IPv4 アドレスではありません".to_string(),
        Reason::NotAnIpv4AddressDotted => {
            "IPv4 アドレス（0〜255 の数を 4 つ、ドットで区切ったもの）ではありません".to_string()
        }
        Reason::NotACidr => {
            "CIDR ではありません。10.0.0.0/16 のように、アドレスとプレフィックス長を書いてください".to_string()
        }
        Reason::CidrBadAddress { address } => format!("`{address}` は IPv4 アドレスではありません"),
        Reason::CidrBadPrefixLength => "`/` の後のプレフィックス長は 0〜32 の数でなければなりません".to_string(),
        Reason::CidrHostBits { network } => {
            format!("プレフィックス長より後ろのビットが立っています。ネットワークアドレスは `{network}` です")
        }
        Reason::CidrReadAs { cidr } => format!("ホスト部のビットが立っています。`{cidr}` として読みます"),
        Reason::CalicoIpListExpected => {
            "Calico が期待するのは [\"192.168.231.166\"] のような、アドレスの JSON リストです".to_string()
        }
        Reason::IpAddrsAnnotationFormat => "[\"192.168.231.166\"] のように、IPv4 アドレスを 1 つだけ含む JSON リストでなければなりません。Calico の CNI プラグインが失敗するため、この Pod にはアドレスが付きません".to_string(),
        Reason::TunnelAddressNotIpv4 => "トンネルアドレスは IPv4 アドレスでなければなりません".to_string(),
        Reason::TunnelAddressAllocated => {
            "IPv4 アドレスではありません。tunl0 のアドレスはラボが自分で割り当てます".to_string()
        }
        Reason::OutOfRange { quantity: what, min, max } => {
            format!("{}は {min} から {max} まででなければなりません", quantity(*what))
        }
        Reason::OneOf { choices, case_hint } => {
            let names: Vec<String> = choices.iter().map(|name| format!("`{name}`")).collect();
            let hint = case_hint
                .as_ref()
                .map(|name| format!("（大文字と小文字は区別されます：`{name}`）"))
                .unwrap_or_default();
            format!("{} のいずれかでなければなりません{hint}", names.join("、"))
        }
        Reason::Name { problem, external } => name_problem(problem, *external),
        Reason::LabelValueTooLong => "ラベルの値は 63 文字までです".to_string(),
        Reason::LabelValueCharacters => "ラベルの値に使えるのは英字・数字・`-`・`_`・`.` で、先頭と末尾は英字か数字でなければなりません".to_string(),
        Reason::PortName { problem, quoted_number } => {
            let hint = if *quoted_number { "（数値は引用符なしで書いてください）" } else { "" };
            format!("{}{hint}", port_name_problem(*problem))
        }
        Reason::MetalLbRangeSyntax => {
            "範囲は 10.0.0.10-10.0.0.20 のように、2 つの IPv4 アドレスを `-` でつないで書きます".to_string()
        }
        Reason::MetalLbRangeReversed => "範囲の最初のアドレスが、最後のアドレスより後ろにあります".to_string(),
        Reason::IngressPathSlash => "Ingress のパスは `/` で始まらなければなりません".to_string(),
        Reason::SelectorMissesTemplate => "`spec.selector` がテンプレートのラベルに一致しないため、このワークロードは自分の Pod を管理できません".to_string(),
        Reason::SelectorEmptyOrMissesTemplate => {
            "`spec.selector` は空でなく、テンプレートのラベルに一致しなければなりません".to_string()
        }
        Reason::PortNumberAndName => "`port.number` と `port.name` は、どちらか一方だけを指定してください".to_string(),
        Reason::ClusterScopedNamespace => "この kind はクラスタースコープなので、namespace は無視します".to_string(),
        Reason::TrafficPolicyNeedsNodePorts { service_type } => format!(
            "externalTrafficPolicy を指定できるのは `type` が NodePort か LoadBalancer のときだけで、{service_type} では指定できません"
        ),
        Reason::UnnamedPort => {
            "`name` がありません。Service にポートが複数あるときは、すべてのポートに名前が必要です".to_string()
        }
        Reason::BlockLargerThanPool { size, cidr } => {
            format!("ブロック（/{size}）をプール {cidr} より大きくすることはできません")
        }
        Reason::PoolMayNotUseBoth => "1 つのプールで使えるのは IPIP か VXLAN のどちらか一方です".to_string(),
        Reason::PoolCannotUseBoth => "1 つのプールで IPIP と VXLAN を同時に使うことはできません".to_string(),
        Reason::BlockSizeRange { prefix } => format!(
            "IPv4 の blockSize は 20〜32 で、プールのプレフィックス /{prefix} より短くすることはできません"
        ),
        Reason::HealthCheckNodePortNotAllowed => "healthCheckNodePort を指定できるのは、externalTrafficPolicy が Local の LoadBalancer Service だけです".to_string(),
        Reason::HealthCheckNodePortIgnored => "ヘルスチェック用の NodePort を持つのは `externalTrafficPolicy: Local` の LoadBalancer Service だけなので、無視します".to_string(),
        Reason::NodePortWrongType { service_type } => {
            format!("`type` が {service_type} のときは nodePort を使えません。NodePort か LoadBalancer にしてください")
        }
        Reason::NodePortOutOfRange { low, high } => {
            format!("nodePort は NodePort の範囲 {low}-{high} に収まっていなければなりません")
        }
        Reason::NodePortsIgnored { service_type } => {
            format!("{service_type} の Service には NodePort がないため、無視します")
        }
        Reason::OutsideRange { what, range } => {
            format!("{} は {range} の範囲内でなければなりません", subject(what))
        }
        Reason::DaemonSetNodeName => "DaemonSet の Pod には通常 nodeName を書きません。書くと、そのノードにだけ Pod が作られます".to_string(),
        Reason::SliceOfSelectorService { service } => format!(
            "Service {service} にはセレクターがあるため、EndpointSlice はエンドポイントコントローラーが作ります。この EndpointSlice は無視します"
        ),
        Reason::NotInPool => "有効な Calico の IP プールのどれにも含まれていません".to_string(),
        Reason::AlreadyUsedBy { holder } => format!("すでに {holder} が使っています"),
        Reason::BlockAffine { node } => format!("このブロックは、すでにノード `{node}` に割り当てられています"),
        Reason::NoFreeAddress { pools } => format!("{pools} には空いているアドレスが残っていません"),
        Reason::NotABlockOfPool => {
            "有効な IP プールのブロックではありません（プールの CIDR と blockSize を確認してください）".to_string()
        }
        Reason::NoRouteToAddress => "有効な Calico の IP プールのどれにも含まれていません。ラボはこのアドレスをそのまま使いますが、ここへ向かう経路はありません".to_string(),
        Reason::PodGetsNoAddress(why) => format!("{}。そのため、この Pod にはアドレスが付きません", reason(why)),
        Reason::AnnotationWins { annotation, address } => {
            format!("アノテーション `{annotation}` が {address} を指定しており、そちらが優先されます")
        }
        Reason::ReplicasCapped { max } => {
            format!("ラボが 1 つのコントローラーで動かすレプリカは {max} 個までなので、{max} 個だけ作ります")
        }
        Reason::PodsCapped { max, room } => format!(
            "ラボが動かす Pod は全部で {max} 個までなので、ここでは {room} 個だけ作り、以降のものは作りません"
        ),
        Reason::PodCapReached { max } => {
            format!("ラボが動かす Pod は全部で {max} 個までなので、この Pod と以降の Pod は作りません")
        }
        Reason::IptablesModeOnly => "ラボが見せるのは kube-proxy の iptables モードなので、ルールは iptables モードが書く形で描きます".to_string(),
        Reason::Ipv4ClusterOnly { value } => format!("ラボは IPv4 のクラスターを再現するため、`{value}` は無視します"),
        Reason::Ipv4DataplaneOnly => "ラボのデータプレーンは IPv4 だけなので、そのエンドポイントは無視します".to_string(),
        Reason::MatchLabelsOnly => "ラボは `matchLabels` だけで Pod を選びます".to_string(),
        Reason::NodePortsOnEveryAddress => "代わりに、ラボはすべてのノードアドレスで NodePort を開きます".to_string(),
        Reason::ResourceBackendNotFollowed { kind, name } => {
            format!("このパスへのリクエストは {kind} `{name}` に送られますが、ラボはその先を追いません")
        }
        Reason::IpipAndRoutingOnly => {
            "ラボが再現するのは Calico の IPIP と通常のルーティングです。Pod にはアドレスが付きます".to_string()
        }
        Reason::BorrowedAddress { address, owner, node } => format!(
            "{address} はノード `{owner}` のブロックにありますが、Pod は `{node}` で動いています。Calico なら /32 の経路で届けますが、ラボはブロック全体を `{owner}` へ送ります"
        ),
        Reason::ClassNotServed { class, origin } => {
            let class = match class {
                Some(class) => format!("クラス `{class}`（{}）", class_origin(origin)),
                None => "クラスの指定がない Ingress ".to_string(),
            };
            format!(
                "{class}は Contour の対象外です（Contour が扱うのはクラス `contour` か、クラスの指定がないものです）。ラボが再現する Ingress コントローラーは Contour だけです"
            )
        }
        Reason::ExternalNameRefused { service } => format!(
            "Contour は `enableExternalNameService` が設定されていない限りこれを拒否するため、`{service}` は飛ばされます"
        ),
        Reason::NotReadByTheLab => "ラボはこれを読みません".to_string(),
        Reason::NodeNameMissing { node } => {
            format!("`spec.nodeName` が指すノード `{node}` は存在しないため、Pod は Pending のままです")
        }
        Reason::NoNodes => "ノードがありません".to_string(),
        Reason::NoNodeMatches => "条件に合うノードがありません".to_string(),
        Reason::Rejected(rejections) => rejections.iter().map(rejection).collect::<Vec<_>>().join("。"),
        Reason::NoLoadBalancerProvider { node_ports } => format!(
            "このクラスターにはロードバランサーを提供するもの（クラウドコントローラーや MetalLB の IPAddressPool）がないため、status.loadBalancer.ingress にアドレスが書かれることはありません。NodePort{node_ports} と ClusterIP は、NodePort Service と同じように使えます"
        ),
        Reason::AllocationFailed { error, node_ports } => format!(
            "MetalLB がアドレスを割り当てられませんでした（{}）。NodePort{node_ports} と ClusterIP は引き続き使えます",
            metallb_error(error)
        ),
        Reason::StatusAddressCleared { error } => format!(
            "MetalLB は設定で許されない status のアドレスを消し、割り当てをやり直します（{}）",
            metallb_error(error)
        ),
        Reason::NoL2Advertisement { pool } => format!(
            "プール {pool} を選ぶ L2Advertisement がないため、アドレスは割り当てられても L2 モードでは届きません"
        ),
        Reason::NoServingEndpoint => "Service に Ready なエンドポイントがありません。speaker がアナウンスするのは、Ready なエンドポイントを持つ Service だけです".to_string(),
        Reason::NoCandidateNode => "条件を満たすノードがありません（L2Advertisement で選ばれていない、ラベルで除外されている、または externalTrafficPolicy: Local でローカルに Ready なエンドポイントがない）".to_string(),
        Reason::NoSuchServiceInNamespace => "Ingress と同じ namespace に、その Service がありません".to_string(),
        Reason::NoSuchServicePort => "その Service には、この番号または名前の TCP ポートがありません".to_string(),
        Reason::IngressNginxAnnotation => "これは ingress-nginx のアノテーションです。Contour は `nginx.ingress.kubernetes.io/*` のアノテーションを黙って読み飛ばすため、バックエンドにはリクエストのパスがそのまま届きます（Contour でパスを書き換えられるのは HTTPProxy の `pathRewritePolicy` だけです）".to_string(),
        Reason::OldIngressNginxAnnotation => "これは 0.9 より前の ingress-nginx の書き方です。Contour は `ingress.kubernetes.io/` プレフィックスを知っていますが、そこで対応しているのは `force-ssl-redirect` だけで、ログに \"ignoring invalid or unsupported annotation\" と出します。そのため、バックエンドにはリクエストのパスがそのまま届きます（Contour でパスを書き換えられるのは HTTPProxy の `pathRewritePolicy` だけです）".to_string(),
        Reason::RegexDoesNotCompile { error } => format!(
            "Contour は `^+*[]%` のいずれかを含む ImplementationSpecific のパスを正規表現として読みますが、このパスは Go の `regexp.Compile` が受け付けません（{}）。Contour はこのパスと、ルールの残りを捨てます",
            regex_error(error)
        ),
        Reason::IptablesValue { reason: message, option } => {
            format!("`{option}` の値として正しくありません（{}）", quoted(message))
        }
        Reason::IptablesLine { message } => format!("iptables-save のテキストとして読めません（{}）", quoted(message)),
    }
}

fn quantity(what: Quantity) -> &'static str {
    match what {
        Quantity::PortNumber => "ポート番号",
        Quantity::BlockSize => "IPv4 プールのブロックサイズ",
        Quantity::MasqueradeBit => "マスカレード用のマークビット",
        Quantity::AffinityTimeout => "アフィニティのタイムアウト秒数",
        Quantity::Replicas => "レプリカ数（ラボで動かせるのは 1000 まで）",
    }
}

fn name_format(format: NameFormat) -> &'static str {
    match format {
        NameFormat::Dns1123Subdomain => "DNS-1123 サブドメイン",
        NameFormat::Dns1123Label => "DNS-1123 ラベル",
        NameFormat::Dns1035Label => "DNS-1035 ラベル",
    }
}

fn name_problem(problem: &NameProblem, external: bool) -> String {
    let name = if external { "外部名（externalName）" } else { "名前" };
    match problem {
        NameProblem::Empty => "名前を空にすることはできません".to_string(),
        NameProblem::TooLong { format } => format!(
            "{name}は {} 文字以内の {}でなければなりません",
            format.max_length(),
            name_format(*format)
        ),
        NameProblem::BadCharacter { format, character } => {
            let dot = if *format == NameFormat::Dns1123Subdomain { "・`.`" } else { "" };
            let hint = if character.is_ascii_uppercase() { "（小文字を使ってください）" } else { "" };
            format!(
                "`{character}` は使えません。{name}は {}（英小文字・数字・`-`{dot}）でなければなりません{hint}",
                name_format(*format)
            )
        }
        NameProblem::BadEnds { format } => {
            let start = if *format == NameFormat::Dns1035Label { "英字" } else { "英字か数字" };
            format!(
                "{name}は {}でなければなりません。{start}で始まり、英字か数字で終わる必要があります",
                name_format(*format)
            )
        }
    }
}

fn port_name_problem(problem: PortNameProblem) -> &'static str {
    match problem {
        PortNameProblem::Length => "ポート名は 1〜15 文字でなければなりません",
        PortNameProblem::Characters => "ポート名に使えるのは英小文字・数字・`-` だけです",
        PortNameProblem::NoLetter => "ポート名には英字が 1 文字以上必要です",
        PortNameProblem::Dashes => "ポート名は `-` で始めたり終えたりできず、`--` を含めることもできません",
    }
}

fn rejection(rejection: &Rejection) -> String {
    match rejection {
        Rejection::Cordoned { node } => format!("ノード `{node}` は cordon されています（unschedulable）"),
        Rejection::Taint { node, taint } => {
            format!("ノード `{node}` には、Pod が許容しない taint `{taint}` があります")
        }
        Rejection::MissingLabel { node, label } => format!("ノード `{node}` にはラベル `{label}` がありません"),
    }
}

fn class_origin(origin: &ClassOrigin) -> String {
    match origin {
        ClassOrigin::Annotation(key) => format!("アノテーション {key} で指定"),
        ClassOrigin::Field => "spec.ingressClassName で指定".to_string(),
        ClassOrigin::DefaultClass => "デフォルトの IngressClass".to_string(),
        ClassOrigin::None => "クラスの指定なし".to_string(),
    }
}

/// Why a regex path is refused: the lab's length limit, or a Japanese phrase for Go's
/// `regexp/syntax` error code followed by Go's own message.
fn regex_error(error: &RegexError) -> String {
    let error = match error {
        RegexError::TooLong { limit } => return format!("パターンが {limit} バイトを超えています"),
        RegexError::Syntax(error) => error,
    };
    let phrase = match error {
        Re2Error::InvalidCharRange { .. } => "文字クラスの範囲が逆順か、クラス名が正しくありません",
        Re2Error::InvalidEscape { .. } => "使えないエスケープがあります",
        Re2Error::InvalidNamedCapture { .. } => "名前付きグループの名前が正しくありません（英数字と `_` だけが使えます）",
        Re2Error::InvalidPerlOp { .. } => "RE2 が対応していない `(?` の構文です（先読み・後読みや後方参照は使えません）",
        Re2Error::InvalidRepeatOp { .. } => "繰り返し演算子が続けて付いています",
        Re2Error::InvalidRepeatSize { .. } => "繰り返し回数が正しくありません（上限は 1000 回で、入れ子にした回数の積も 1000 までです）",
        Re2Error::MissingBracket { .. } => "閉じる `]` がありません",
        Re2Error::MissingParen { .. } => "閉じる `)` がありません",
        Re2Error::MissingRepeatArgument { .. } => "繰り返し演算子の前に、繰り返す対象がありません",
        Re2Error::TrailingBackslash => "末尾に `\\` が単独で残っています",
        Re2Error::UnexpectedParen { .. } => "対応する `(` のない `)` があります",
        Re2Error::NestingDepth { .. } => "入れ子が深すぎます（1000 段までです）",
        Re2Error::Large { .. } => "式が大きすぎます（コンパイル後の大きさが RE2 の上限を超えます）",
    };
    format!("{phrase}{}", quoted(&error.to_string()))
}

fn metallb_error(error: &MetalLbError) -> String {
    match error {
        MetalLbError::Message(message) => quoted(message),
        MetalLbError::AsksForPool { pool } => format!("Service はプール {pool} を指定しています"),
        MetalLbError::AsksForAddress { address } => format!("Service は {address} を指定しています"),
        MetalLbError::NoClusterIp => "Service に ClusterIP がないため、MetalLB は IP ファミリーを判断できません".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        text.to_string()
    }

    /// One of each `Problem` variant, with distinctive data that must show in Japanese.
    fn every_problem() -> Vec<(Problem, Vec<String>)> {
        vec![
            (
                Problem::Syntax { message: SyntaxError::Scanner { message: ScanMessage::Other(s("bad-indent-7")), hint: None } },
                vec![s("「bad-indent-7」")],
            ),
            (Problem::InputTooLarge { bytes: 2_000_003, limit: 1_048_576 }, vec![s("2000003"), s("1048576")]),
            (Problem::AliasBudgetExceeded { limit: 100_007 }, vec![s("100007")]),
            (Problem::TooDeep { limit: 131 }, vec![s("131")]),
            (Problem::TooManyObjects { count: 20_011, limit: 20_000 }, vec![s("20011"), s("20000")]),
            (Problem::NotAnObject { found: Shape::Number(s("4711")) }, vec![s("4711")]),
            (Problem::MissingTypeInfo { field: s("apiVersion") }, vec![s("`apiVersion`")]),
            (Problem::UnknownKind { api_version: s("example.com/v9"), kind: s("Widget") }, vec![s("Widget"), s("example.com/v9")]),
            (
                Problem::UnknownApiVersion { api_version: s("apps/v1beta9"), kind: s("Deployment"), expected: s("apps/v1") },
                vec![s("apps/v1beta9"), s("`Deployment`"), s("`apps/v1`")],
            ),
            (Problem::UnknownField { field: s("spec.fooBar") }, vec![s("`spec.fooBar`")]),
            (Problem::MissingField { field: s("spec.ports") }, vec![s("`spec.ports`")]),
            (Problem::WrongType { expected: Expected::WholeNumber, found: Shape::Text(s("eighty")) }, vec![s("\"eighty\"")]),
            (
                Problem::InvalidValue { value: s("99999"), reason: Reason::OutOfRange { quantity: Quantity::PortNumber, min: 1, max: 65535 } },
                vec![s("`99999`"), s("65535")],
            ),
            (Problem::Duplicate { kind: s("Service"), name: s("web") }, vec![s("Service"), s("`web`")]),
            (
                Problem::Clash { what: Subject::NodePort, value: s("31000"), other: s("Service default/a") },
                vec![s("NodePort"), s("31000"), s("Service default/a")],
            ),
            (Problem::Exhausted { what: Subject::NodePort, range: s("30000-32767") }, vec![s("NodePort"), s("30000-32767")]),
            (Problem::SelectorMatchesNothing { selector: s("app=nope") }, vec![s("`app=nope`")]),
            (Problem::Missing { kind: s("Service"), name: s("cinnamon") }, vec![s("Service"), s("`cinnamon`")]),
            (
                Problem::NotEmulated { feature: Subject::Ipv6, detail: Reason::Ipv4ClusterOnly { value: s("fd00::1") } },
                vec![s("IPv6"), s("`fd00::1`")],
            ),
            (Problem::Deprecated { form: Deprecation::CalicoIpipBlock }, vec![s("`ipip:`"), s("`ipipMode: Always`")]),
            (Problem::Unschedulable { pod: s("default/web-1"), reason: Reason::NoNodes }, vec![s("`default/web-1`")]),
            (
                Problem::Defaulted { default: LabDefault::Dns { ip: s("10.96.0.10") } },
                vec![s("kube-system/kube-dns"), s("10.96.0.10")],
            ),
            (Problem::DuplicateKey { key: s("name"), first_line: 42 }, vec![s("`name`"), s("42")]),
            (Problem::MisspelledField { field: s("selecter"), suggestion: s("selector") }, vec![s("`selecter`"), s("`selector`")]),
            (Problem::TooManyValues { limit: 500_009 }, vec![s("500009")]),
            (
                Problem::IgnoredAnnotation {
                    key: s("ingress.kubernetes.io/rewrite-target"),
                    controller: s("Contour"),
                    reason: Reason::OldIngressNginxAnnotation,
                },
                vec![s("`ingress.kubernetes.io/rewrite-target`"), s("Contour"), s("`pathRewritePolicy`")],
            ),
            (
                Problem::LoadBalancerPending { reason: Reason::NoLoadBalancerProvider { node_ports: s(" (80:31234/TCP)") } },
                vec![s("<pending>"), s("80:31234/TCP")],
            ),
            (
                Problem::NotAnnounced { ip: s("172.16.120.201"), reason: Reason::NoL2Advertisement { pool: s("first-pool") } },
                vec![s("172.16.120.201"), s("first-pool")],
            ),
            (
                Problem::UnresolvedBackend { backend: s("default/cinnamon:80"), reason: Reason::NoSuchServicePort },
                vec![s("`default/cinnamon:80`"), s("404"), s("TCP")],
            ),
            (Problem::MoreUnknownFields { count: 17 }, vec![s("17")]),
            (
                Problem::RenamedField { field: s("backend"), api_version: s("networking.k8s.io/v1"), replacement: s("defaultBackend") },
                vec![s("`backend`"), s("networking.k8s.io/v1"), s("`defaultBackend`")],
            ),
            (Problem::NoInternalIp, vec![s("`status.addresses`"), s("InternalIP")]),
            (Problem::DuplicateConfiguration { kind: s("KubeProxyConfiguration") }, vec![s("KubeProxyConfiguration")]),
            (Problem::SamePortTwice { port: s("30080/TCP"), owner: s("Service default/web") }, vec![s("30080/TCP"), s("Service default/web")]),
            (
                Problem::RouteClash {
                    path: s("/app"),
                    host: s("example.com"),
                    source: s("Ingress default/b spec.rules[0].http.paths[0]"),
                    existing: s("Ingress default/a spec.rules[0].http.paths[1]"),
                },
                vec![s("`/app`"), s("example.com"), s("Ingress default/b spec.rules[0].http.paths[0]"), s("Ingress default/a")],
            ),
        ]
    }

    const VARIANTS: usize = 35;

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
            Problem::MoreUnknownFields { .. } => 29,
            Problem::RenamedField { .. } => 30,
            Problem::NoInternalIp => 31,
            Problem::DuplicateConfiguration { .. } => 32,
            Problem::SamePortTwice { .. } => 33,
            Problem::RouteClash { .. } => 34,
        }
    }

    /// One of each `Reason` variant, with realistic data (names and addresses the engine
    /// really puts there, and English where the engine quotes another program).
    fn every_reason() -> Vec<Reason> {
        let formats = [NameFormat::Dns1123Subdomain, NameFormat::Dns1123Label, NameFormat::Dns1035Label];
        let mut names: Vec<Reason> = Vec::new();
        for format in formats {
            for external in [false, true] {
                for problem in [
                    NameProblem::Empty,
                    NameProblem::TooLong { format },
                    NameProblem::BadCharacter { format, character: 'W' },
                    NameProblem::BadCharacter { format, character: '_' },
                    NameProblem::BadEnds { format },
                ] {
                    names.push(Reason::Name { problem, external });
                }
            }
        }
        let ports = [PortNameProblem::Length, PortNameProblem::Characters, PortNameProblem::NoLetter, PortNameProblem::Dashes]
            .into_iter()
            .flat_map(|problem| [false, true].map(|quoted_number| Reason::PortName { problem, quoted_number }));
        let quantities = [Quantity::PortNumber, Quantity::BlockSize, Quantity::MasqueradeBit, Quantity::AffinityTimeout, Quantity::Replicas]
            .map(|quantity| Reason::OutOfRange { quantity, min: 0, max: 31 });
        let metallb = [
            MetalLbError::Message(s("no available IPs in pool \"first-pool\"")),
            MetalLbError::AsksForPool { pool: s("second-pool") },
            MetalLbError::AsksForAddress { address: s("172.16.120.210") },
            MetalLbError::NoClusterIp,
        ];
        let origins = [ClassOrigin::Annotation(s("kubernetes.io/ingress.class")), ClassOrigin::Field, ClassOrigin::DefaultClass, ClassOrigin::None];
        let mut reasons = vec![
            Reason::NotAnIpv4Address,
            Reason::NotAnIpv4AddressDotted,
            Reason::NotACidr,
            Reason::CidrBadAddress { address: s("10.0.0.300") },
            Reason::CidrBadPrefixLength,
            Reason::CidrHostBits { network: s("10.0.0.0/16") },
            Reason::CidrReadAs { cidr: s("10.0.0.0/16") },
            Reason::CalicoIpListExpected,
            Reason::IpAddrsAnnotationFormat,
            Reason::TunnelAddressNotIpv4,
            Reason::TunnelAddressAllocated,
            Reason::OneOf { choices: vec![s("ClusterIP"), s("NodePort")], case_hint: Some(s("NodePort")) },
            Reason::OneOf { choices: vec![s("iptables"), s("ipvs"), s("nftables")], case_hint: None },
            Reason::LabelValueTooLong,
            Reason::LabelValueCharacters,
            Reason::MetalLbRangeSyntax,
            Reason::MetalLbRangeReversed,
            Reason::IngressPathSlash,
            Reason::SelectorMissesTemplate,
            Reason::SelectorEmptyOrMissesTemplate,
            Reason::PortNumberAndName,
            Reason::ClusterScopedNamespace,
            Reason::TrafficPolicyNeedsNodePorts { service_type: s("ClusterIP") },
            Reason::UnnamedPort,
            Reason::BlockLargerThanPool { size: 8, cidr: s("192.168.0.0/16") },
            Reason::PoolMayNotUseBoth,
            Reason::PoolCannotUseBoth,
            Reason::BlockSizeRange { prefix: 24 },
            Reason::HealthCheckNodePortNotAllowed,
            Reason::HealthCheckNodePortIgnored,
            Reason::NodePortWrongType { service_type: s("ClusterIP") },
            Reason::NodePortOutOfRange { low: 30000, high: 32767 },
            Reason::NodePortsIgnored { service_type: s("ClusterIP") },
            Reason::OutsideRange { what: Subject::ClusterIp, range: s("10.96.0.0/12") },
            Reason::DaemonSetNodeName,
            Reason::SliceOfSelectorService { service: s("default/web") },
            Reason::NotInPool,
            Reason::AlreadyUsedBy { holder: s("Pod default/web-1") },
            Reason::BlockAffine { node: s("node2") },
            Reason::NoFreeAddress { pools: s("default-ipv4-ippool") },
            Reason::NotABlockOfPool,
            Reason::NoRouteToAddress,
            Reason::PodGetsNoAddress(Box::new(Reason::NotInPool)),
            Reason::AnnotationWins { annotation: s("cni.projectcalico.org/ipAddrs"), address: s("192.168.231.166") },
            Reason::ReplicasCapped { max: 100 },
            Reason::PodsCapped { max: 1000, room: 3 },
            Reason::PodCapReached { max: 1000 },
            Reason::IptablesModeOnly,
            Reason::Ipv4ClusterOnly { value: s("fd00::/64") },
            Reason::Ipv4DataplaneOnly,
            Reason::MatchLabelsOnly,
            Reason::NodePortsOnEveryAddress,
            Reason::ResourceBackendNotFollowed { kind: s("StorageBucket"), name: s("static-assets") },
            Reason::IpipAndRoutingOnly,
            Reason::BorrowedAddress { address: s("192.168.104.9"), owner: s("node2"), node: s("node1") },
            Reason::ExternalNameRefused { service: s("external-db") },
            Reason::NotReadByTheLab,
            Reason::NodeNameMissing { node: s("node9") },
            Reason::NoNodes,
            Reason::NoNodeMatches,
            Reason::Rejected(vec![
                Rejection::Cordoned { node: s("node3") },
                Rejection::Taint { node: s("controlplane"), taint: s("node-role.kubernetes.io/control-plane:NoSchedule") },
                Rejection::MissingLabel { node: s("node1"), label: s("disk=ssd") },
            ]),
            Reason::NoLoadBalancerProvider { node_ports: s(" (80:31234/TCP)") },
            Reason::NoL2Advertisement { pool: s("first-pool") },
            Reason::NoServingEndpoint,
            Reason::NoCandidateNode,
            Reason::NoSuchServiceInNamespace,
            Reason::NoSuchServicePort,
            Reason::IngressNginxAnnotation,
            Reason::OldIngressNginxAnnotation,
            Reason::RegexDoesNotCompile { error: RegexError::Syntax(Re2Error::MissingParen { expr: s("/api(") }) },
            Reason::IptablesValue { reason: s("a port is a number"), option: s("--dport") },
            Reason::IptablesLine { message: s("there is no chain `KUBE-FOO` in this table") },
        ];
        reasons.extend(names);
        reasons.extend(ports);
        reasons.extend(quantities);
        let regex_errors = [
            Re2Error::InvalidCharRange { expr: s("z-a") },
            Re2Error::InvalidEscape { expr: s(r"\q") },
            Re2Error::InvalidNamedCapture { expr: s("(?P<>") },
            Re2Error::InvalidPerlOp { expr: s("(?=") },
            Re2Error::InvalidRepeatOp { expr: s("**") },
            Re2Error::InvalidRepeatSize { expr: s("{1001}") },
            Re2Error::MissingBracket { expr: s("[a-z") },
            Re2Error::MissingRepeatArgument { expr: s("*") },
            Re2Error::TrailingBackslash,
            Re2Error::UnexpectedParen { expr: s("/api)") },
            Re2Error::NestingDepth { expr: s("((((a))))") },
            Re2Error::Large { expr: s("(xx?){1000}") },
        ];
        reasons.extend(regex_errors.map(|error| Reason::RegexDoesNotCompile { error: RegexError::Syntax(error) }));
        reasons.push(Reason::RegexDoesNotCompile { error: RegexError::TooLong { limit: 65536 } });
        for error in metallb {
            reasons.push(Reason::AllocationFailed { error: error.clone(), node_ports: s(" (80:31234/TCP)") });
            reasons.push(Reason::StatusAddressCleared { error });
        }
        for origin in origins {
            reasons.push(Reason::ClassNotServed { class: Some(s("nginx")), origin });
        }
        reasons.push(Reason::ClassNotServed { class: None, origin: ClassOrigin::None });
        reasons
    }

    const REASONS: usize = 76;

    fn reason_variant(reason: &Reason) -> usize {
        match reason {
            Reason::NotAnIpv4Address => 0,
            Reason::NotAnIpv4AddressDotted => 1,
            Reason::NotACidr => 2,
            Reason::CidrBadAddress { .. } => 3,
            Reason::CidrBadPrefixLength => 4,
            Reason::CidrHostBits { .. } => 5,
            Reason::CidrReadAs { .. } => 6,
            Reason::CalicoIpListExpected => 7,
            Reason::IpAddrsAnnotationFormat => 8,
            Reason::TunnelAddressNotIpv4 => 9,
            Reason::TunnelAddressAllocated => 10,
            Reason::OutOfRange { .. } => 11,
            Reason::OneOf { .. } => 12,
            Reason::Name { .. } => 13,
            Reason::LabelValueTooLong => 14,
            Reason::LabelValueCharacters => 15,
            Reason::PortName { .. } => 16,
            Reason::MetalLbRangeSyntax => 17,
            Reason::MetalLbRangeReversed => 18,
            Reason::IngressPathSlash => 19,
            Reason::SelectorMissesTemplate => 20,
            Reason::SelectorEmptyOrMissesTemplate => 21,
            Reason::PortNumberAndName => 22,
            Reason::ClusterScopedNamespace => 23,
            Reason::TrafficPolicyNeedsNodePorts { .. } => 24,
            Reason::UnnamedPort => 25,
            Reason::BlockLargerThanPool { .. } => 26,
            Reason::PoolMayNotUseBoth => 27,
            Reason::PoolCannotUseBoth => 28,
            Reason::BlockSizeRange { .. } => 29,
            Reason::HealthCheckNodePortNotAllowed => 30,
            Reason::HealthCheckNodePortIgnored => 31,
            Reason::NodePortWrongType { .. } => 32,
            Reason::NodePortOutOfRange { .. } => 33,
            Reason::NodePortsIgnored { .. } => 34,
            Reason::OutsideRange { .. } => 35,
            Reason::DaemonSetNodeName => 36,
            Reason::SliceOfSelectorService { .. } => 37,
            Reason::NotInPool => 38,
            Reason::AlreadyUsedBy { .. } => 39,
            Reason::BlockAffine { .. } => 40,
            Reason::NoFreeAddress { .. } => 41,
            Reason::NotABlockOfPool => 42,
            Reason::NoRouteToAddress => 43,
            Reason::PodGetsNoAddress(_) => 44,
            Reason::AnnotationWins { .. } => 45,
            Reason::ReplicasCapped { .. } => 46,
            Reason::PodsCapped { .. } => 47,
            Reason::PodCapReached { .. } => 48,
            Reason::IptablesModeOnly => 49,
            Reason::Ipv4ClusterOnly { .. } => 50,
            Reason::Ipv4DataplaneOnly => 51,
            Reason::MatchLabelsOnly => 52,
            Reason::NodePortsOnEveryAddress => 53,
            Reason::ResourceBackendNotFollowed { .. } => 54,
            Reason::IpipAndRoutingOnly => 55,
            Reason::BorrowedAddress { .. } => 56,
            Reason::ClassNotServed { .. } => 57,
            Reason::ExternalNameRefused { .. } => 58,
            Reason::NotReadByTheLab => 59,
            Reason::NodeNameMissing { .. } => 60,
            Reason::NoNodes => 61,
            Reason::NoNodeMatches => 62,
            Reason::Rejected(_) => 63,
            Reason::NoLoadBalancerProvider { .. } => 64,
            Reason::AllocationFailed { .. } => 65,
            Reason::StatusAddressCleared { .. } => 66,
            Reason::NoL2Advertisement { .. } => 67,
            Reason::NoServingEndpoint => 68,
            Reason::NoCandidateNode => 69,
            Reason::NoSuchServiceInNamespace => 70,
            Reason::NoSuchServicePort => 71,
            Reason::IngressNginxAnnotation => 72,
            Reason::OldIngressNginxAnnotation => 73,
            Reason::RegexDoesNotCompile { .. } => 74,
            Reason::IptablesValue { .. } => 75,
            Reason::IptablesLine { .. } => 76,
        }
    }

    fn every_subject() -> Vec<Subject> {
        vec![
            Subject::ClusterIp,
            Subject::NodePort,
            Subject::PortName,
            Subject::NodeAddress,
            Subject::PoolCidr,
            Subject::PodIp,
            Subject::PodAddress,
            Subject::TunnelAddress { node: s("node1") },
            Subject::Ipv6,
            Subject::Vxlan,
            Subject::KubeProxyMode { mode: s("ipvs") },
            Subject::EndpointSliceFamily { family: s("IPv6") },
            Subject::MatchExpressions,
            Subject::NodePortAddressesPrimary,
            Subject::ResourceBackends,
            Subject::BorrowedPodAddresses,
            Subject::IngressClass { class: s("nginx") },
            Subject::ExternalNameBackends,
            Subject::IptablesFeature { what: s("`-f` (fragments)") },
        ]
    }

    fn subject_variant(subject: &Subject) -> usize {
        match subject {
            Subject::ClusterIp => 0,
            Subject::NodePort => 1,
            Subject::PortName => 2,
            Subject::NodeAddress => 3,
            Subject::PoolCidr => 4,
            Subject::PodIp => 5,
            Subject::PodAddress => 6,
            Subject::TunnelAddress { .. } => 7,
            Subject::Ipv6 => 8,
            Subject::Vxlan => 9,
            Subject::KubeProxyMode { .. } => 10,
            Subject::EndpointSliceFamily { .. } => 11,
            Subject::MatchExpressions => 12,
            Subject::NodePortAddressesPrimary => 13,
            Subject::ResourceBackends => 14,
            Subject::BorrowedPodAddresses => 15,
            Subject::IngressClass { .. } => 16,
            Subject::ExternalNameBackends => 17,
            Subject::IptablesFeature { .. } => 18,
        }
    }

    fn every_shape() -> Vec<Shape> {
        vec![
            Shape::List,
            Shape::Mapping,
            Shape::Scalar,
            Shape::Null,
            Shape::Bool(true),
            Shape::Number(s("1.10")),
            Shape::Yaml11Bool(s("yes")),
            Shape::Text(s("web")),
            Shape::NumberForText(s("1.10")),
            Shape::BoolForText(s("on")),
        ]
    }

    fn shape_variant(shape: &Shape) -> usize {
        match shape {
            Shape::List => 0,
            Shape::Mapping => 1,
            Shape::Scalar => 2,
            Shape::Null => 3,
            Shape::Bool(_) => 4,
            Shape::Number(_) => 5,
            Shape::Yaml11Bool(_) => 6,
            Shape::Text(_) => 7,
            Shape::NumberForText(_) => 8,
            Shape::BoolForText(_) => 9,
        }
    }

    const EXPECTED: [Expected; 11] = [
        Expected::PlainTextKey,
        Expected::Mapping,
        Expected::MappingOfTexts,
        Expected::Text,
        Expected::UnquotedNumber,
        Expected::WholeNumber,
        Expected::UnquotedBoolean,
        Expected::Boolean,
        Expected::List,
        Expected::ListOfObjects,
        Expected::PortNumberOrName,
    ];

    fn expected_variant(want: Expected) -> usize {
        match want {
            Expected::PlainTextKey => 0,
            Expected::Mapping => 1,
            Expected::MappingOfTexts => 2,
            Expected::Text => 3,
            Expected::UnquotedNumber => 4,
            Expected::WholeNumber => 5,
            Expected::UnquotedBoolean => 6,
            Expected::Boolean => 7,
            Expected::List => 8,
            Expected::ListOfObjects => 9,
            Expected::PortNumberOrName => 10,
        }
    }

    /// Every scanner message the engine recognises: the English text is the recognised
    /// message itself, so reading it back yields every non-`Other` variant.
    fn every_scan_message() -> Vec<ScanMessage> {
        [
            "mapping values are not allowed in this context",
            "mapping keys are not allowed in this context",
            "block sequence entries are not allowed in this context",
            "while parsing a block mapping, did not find expected key",
            "while parsing a block collection, did not find expected '-' indicator",
            "while parsing a flow sequence, expected ',' or ']'",
            "while parsing a flow mapping, did not find expected ',' or '}'",
            "while scanning a quoted scalar, found unexpected end of stream",
            "while scanning a quoted scalar, found unexpected document indicator",
            "tab cannot be used as indentation",
            "tabs disallowed in this context",
            "tabs disallowed within this context (block indentation)",
            "while scanning a plain scalar, found a tab",
            "invalid indentation",
            "invalid indentation in flow construct",
            "simple key expect ':'",
            "while parsing node, found unknown anchor",
            "while parsing anchor, found duplicated anchor",
            "while parsing a node, did not find expected node content",
            "unexpected eof",
            "while parsing a quoted scalar, found unknown escape character",
            "found unprintable character",
            "':' must be followed by a valid YAML whitespace",
            "'-' must be followed by a valid YAML whitespace",
            "misplaced bracket",
            "invalid content after document end marker",
            "illegal placement of ':' indicator",
            "invalid indentation in quoted scalar",
            "a block scalar content cannot start with a tab",
            "invalid trailing content after double-quoted scalar",
            "unexpected character: `@'",
            "found incompatible YAML document",
        ]
        .into_iter()
        .map(ScanMessage::recognise)
        .collect()
    }

    fn scan_variant(message: &ScanMessage) -> usize {
        match message {
            ScanMessage::MappingValuesNotAllowed => 0,
            ScanMessage::MappingKeysNotAllowed => 1,
            ScanMessage::BlockEntriesNotAllowed => 2,
            ScanMessage::BlockMappingWithoutKey => 3,
            ScanMessage::BlockCollectionWithoutDash => 4,
            ScanMessage::FlowSequenceUnclosed => 5,
            ScanMessage::FlowMappingUnclosed => 6,
            ScanMessage::QuotedScalarUnclosed => 7,
            ScanMessage::QuotedScalarDocumentIndicator => 8,
            ScanMessage::TabIndentation => 9,
            ScanMessage::TabsInContext => 10,
            ScanMessage::TabsInBlockIndentation => 11,
            ScanMessage::TabInPlainScalar => 12,
            ScanMessage::InvalidIndentation => 13,
            ScanMessage::InvalidIndentationInFlow => 14,
            ScanMessage::SimpleKeyWithoutColon => 15,
            ScanMessage::UnknownAnchor => 16,
            ScanMessage::DuplicatedAnchor => 17,
            ScanMessage::NoNodeContent => 18,
            ScanMessage::UnexpectedEof => 19,
            ScanMessage::UnknownEscape => 20,
            ScanMessage::UnprintableCharacter => 21,
            ScanMessage::ColonWithoutSpace => 22,
            ScanMessage::DashWithoutSpace => 23,
            ScanMessage::MisplacedBracket => 24,
            ScanMessage::ContentAfterDocumentEnd => 25,
            ScanMessage::IllegalColon => 26,
            ScanMessage::QuotedScalarIndentation => 27,
            ScanMessage::BlockScalarTab => 28,
            ScanMessage::TrailingAfterQuoted => 29,
            ScanMessage::UnexpectedCharacter(_) => 30,
            ScanMessage::Other(_) => 31,
        }
    }

    fn every_syntax_error() -> Vec<SyntaxError> {
        let hints = [
            None,
            Some(SyntaxHint::Tabs),
            Some(SyntaxHint::UnclosedQuote),
            Some(SyntaxHint::UnclosedBracket { bracket: '[', line: 3, column: 9 }),
            Some(SyntaxHint::Indentation),
        ];
        let mut errors = vec![SyntaxError::FullWidthHash];
        for message in every_scan_message() {
            for hint in &hints {
                errors.push(SyntaxError::Scanner { message: message.clone(), hint: hint.clone() });
            }
        }
        errors
    }

    fn every_deprecation() -> Vec<Deprecation> {
        vec![
            Deprecation::BetaIngress {
                api_version: s("extensions/v1beta1"),
                name_field: s("backend.service.name: web"),
                port_field: s("backend.service.port.number: 80"),
            },
            Deprecation::ServiceNamePort { name: s("web"), port: s("80") },
            Deprecation::Yaml11Bool { text: s("yes"), value: true },
            Deprecation::CalicoIpipBlock,
        ]
    }

    fn every_lab_default() -> Vec<LabDefault> {
        vec![
            LabDefault::Contour,
            LabDefault::Nodes { nodes: vec![s("controlplane 172.16.120.10"), s("node1 172.16.120.11")] },
            LabDefault::IpPool { name: s("default-ipv4-ippool"), cidr: s("192.168.0.0/16"), block_size: 26 },
            LabDefault::KubeProxy { cluster_cidr: Some(s("192.168.0.0/16")) },
            LabDefault::KubeProxy { cluster_cidr: None },
            LabDefault::Dns { ip: s("10.96.0.10") },
        ]
    }

    /// Every problem the tests know: one of each `Problem` variant, and each variant of every
    /// typed field (reasons, subjects, shapes, ...) inside the problem that carries it.
    fn all_problems() -> Vec<Problem> {
        let mut problems: Vec<Problem> = every_problem().into_iter().map(|(problem, _)| problem).collect();
        for reason in every_reason() {
            problems.push(Problem::InvalidValue { value: s("x"), reason: reason.clone() });
            problems.push(Problem::NotEmulated { feature: Subject::Ipv6, detail: reason.clone() });
            problems.push(Problem::Unschedulable { pod: s("default/web-1"), reason });
        }
        for what in every_subject() {
            problems.push(Problem::Clash { what: what.clone(), value: s("10.0.0.1"), other: s("Pod default/a") });
            problems.push(Problem::Exhausted { what: what.clone(), range: s("10.96.0.0/12") });
            problems.push(Problem::NotEmulated { feature: what, detail: Reason::NotReadByTheLab });
        }
        for found in every_shape() {
            for want in EXPECTED {
                problems.push(Problem::WrongType { expected: want, found: found.clone() });
            }
            problems.push(Problem::NotAnObject { found });
        }
        problems.extend(every_syntax_error().into_iter().map(|message| Problem::Syntax { message }));
        problems.extend(every_deprecation().into_iter().map(|form| Problem::Deprecated { form }));
        problems.extend(every_lab_default().into_iter().map(|default| Problem::Defaulted { default }));
        problems
    }

    /// The longest run of three or more lowercase English words in `text`, outside `code`,
    /// "quoted" and 「quoted」 spans (names, and other programs' verbatim messages). Words are whitespace-separated tokens of ASCII lowercase letters (with
    /// ASCII punctuation around them); a Japanese character, a digit, a capital letter or any
    /// other mark (`spec.ports[0]`, `kube-proxy`, `NodePort`) ends a run, so names, paths and
    /// values pass while an English clause does not.
    fn english_run(text: &str) -> Option<String> {
        let mut visible = String::new();
        let mut closing: Option<char> = None;
        for c in text.chars() {
            match closing {
                Some(end) if c == end => closing = None,
                Some(_) => {}
                None if c == '`' || c == '"' => closing = Some(c),
                None if c == '「' => closing = Some('」'),
                None => visible.push(c),
            }
        }
        let mut run: Vec<String> = Vec::new();
        let mut worst: Vec<String> = Vec::new();
        let mut token = String::new();
        let mut end_token = |token: &mut String, run: &mut Vec<String>, breaks: bool| {
            let word = token.trim_matches(|c: char| "()[]{},.;:!?'".contains(c));
            if !token.is_empty() {
                if !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()) {
                    run.push(word.to_string());
                } else {
                    run.clear();
                }
            }
            token.clear();
            if run.len() >= 3 && run.len() > worst.len() {
                worst = run.clone();
            }
            if breaks {
                run.clear();
            }
        };
        for c in visible.chars() {
            if c.is_ascii_whitespace() {
                end_token(&mut token, &mut run, false);
            } else if c.is_ascii() {
                token.push(c);
            } else {
                end_token(&mut token, &mut run, true);
            }
        }
        end_token(&mut token, &mut run, true);
        if worst.is_empty() { None } else { Some(worst.join(" ")) }
    }

    #[test]
    fn the_english_check_finds_english_and_passes_data() {
        assert_eq!(english_run("`x` は正しくありません：it is not valid。"), Some(s("it is not valid")));
        assert_eq!(english_run("ここには a whole number が必要です。"), Some(s("a whole number")));
        assert_eq!(english_run("（no node matches）"), Some(s("no node matches")));
        assert_eq!(english_run("`it is code` と \"a tool says this\" と「no available IPs」は引用です。"), None);
        assert_eq!(english_run("spec.ports[0].nodePort と kube-proxy の mode iptables、NodePort 30080/TCP。"), None);
        assert_eq!(english_run("Ingress default/a spec.rules[0].http.paths[1] が使っています。"), None);
        assert_eq!(english_run("two words です。"), None);
    }

    #[test]
    fn every_variant_is_in_the_lists() {
        // A new variant fails to compile in the `*_variant` functions until it is listed there,
        // and fails here until one of it is constructed in the lists above.
        fn covered(mut seen: Vec<usize>, count: usize, what: &str) {
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen, (0..count).collect::<Vec<_>>(), "{what}");
        }
        covered(every_problem().iter().map(|(problem, _)| variant(problem)).collect(), VARIANTS, "Problem");
        covered(every_reason().iter().map(reason_variant).collect(), REASONS + 1, "Reason");
        covered(every_subject().iter().map(subject_variant).collect(), 19, "Subject");
        covered(every_shape().iter().map(shape_variant).collect(), 10, "Shape");
        covered(EXPECTED.iter().map(|want| expected_variant(*want)).collect(), 11, "Expected");
        covered(every_scan_message().iter().map(scan_variant).collect(), 32, "ScanMessage");
    }

    #[test]
    fn every_variant_has_a_japanese_sentence_with_its_data() {
        for (problem, data) in &every_problem() {
            let ja = problem_text(problem, Lang::Ja);
            for value in data {
                assert!(ja.contains(value.as_str()), "{problem:?}: `{value}` missing from {ja}");
            }
        }
        for problem in all_problems() {
            let ja = problem_text(&problem, Lang::Ja);
            assert!(!ja.is_ascii(), "{problem:?}: {ja}");
            assert!(ja.ends_with('。'), "{problem:?}: {ja}");
            assert!(!ja.contains("。。") && !ja.contains("、。"), "{problem:?}: {ja}");
            // English is the engine's own sentence, unchanged.
            assert_eq!(problem_text(&problem, Lang::En), problem.to_string());
        }
    }

    #[test]
    fn no_english_explanation_leaks_into_japanese() {
        let leaks: Vec<String> = all_problems()
            .iter()
            .filter_map(|problem| {
                let ja = problem_text(problem, Lang::Ja);
                english_run(&ja).map(|run| format!("{run:?} in {ja}"))
            })
            .collect();
        assert!(leaks.is_empty(), "English in Japanese text:\n{}", leaks.join("\n"));
    }
}
