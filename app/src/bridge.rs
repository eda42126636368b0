//! The two wasm modules of the page and what passes between them.
//!
//! The page (`app` binary: editor, diagnostics, diagram) is all a reader downloads at first.
//! The tracer (`tracer` binary: Send, the step player, the inspector, Send 1,000, the
//! terminal; everything that runs `engine::trace` and `engine::shell`) is a second module,
//! imported the first time the reader reaches for it (see [`crate::components::tracer`]).
//! The two share no memory, so they talk in small messages:
//!
//! - page → tracer, [`ToTracer`]: the picture to work on (its revision and the text it was
//!   built from; the tracer runs [`crate::analysis::analyse`] on it itself) and the language;
//! - tracer → page, [`FromTracer`]: "ready", and the packet the diagram draws at the player's
//!   current step ([`PacketView`]).
//!
//! Both cross JavaScript as strings ([`FromTracer::encode`]/[`FromTracer::decode`], tested
//! natively). When both halves run in one module (the browser tests mount the page and the
//! tracer side by side), messages go straight to the registered inbox instead.

use std::cell::RefCell;

use engine::netfilter::{Hook, Table};
use engine::trace::At;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::Callback;

use crate::i18n::Lang;

/// The file Trunk writes for the tracer module (`index.html`, `data-bin="tracer"`).
pub const TRACER_MODULE: &str = "tracer.js";

/// What the page tells the tracer.
#[derive(Clone, Debug, PartialEq)]
pub struct ToTracer {
    /// The page's picture revision: the tracer rebuilds its lab only when it changes.
    pub revision: u64,
    /// The text that picture was built from (not the editor's text if that has errors).
    pub text: std::rc::Rc<str>,
    pub lang: Lang,
}

/// What the tracer tells the page.
#[derive(Clone, Debug, PartialEq)]
pub enum FromTracer {
    /// The tracer is mounted and listening.
    Ready,
    /// The packet to draw for this picture revision (none: no run is shown).
    Packet { revision: u64, packet: Option<PacketView> },
}

/// Where the player's packet is: the current step's place, the previous step's (where the
/// dot comes from), how long the move takes and the packet's addresses.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketView {
    /// Distinct for every (run, step): a new dot is drawn for each step.
    pub key: String,
    pub host: String,
    pub at: At,
    pub previous: Option<(String, At)>,
    pub tween_ms: f64,
    pub label: Option<String>,
}

/// Separates fields on the wire (names, devices and addresses never contain it).
const SEP: char = '\u{1f}';

impl FromTracer {
    /// The message as one string for JavaScript.
    pub fn encode(&self) -> String {
        match self {
            FromTracer::Ready => "ready".to_string(),
            FromTracer::Packet { revision, packet: None } => format!("packet{SEP}{revision}"),
            FromTracer::Packet { revision, packet: Some(p) } => {
                let (previous_host, previous_at) = match &p.previous {
                    Some((host, at)) => (host.as_str(), at.to_string()),
                    None => ("", String::new()),
                };
                let label = p.label.as_deref().unwrap_or("");
                let has_label = if p.label.is_some() { "1" } else { "0" };
                [
                    "packet",
                    &revision.to_string(),
                    &p.key,
                    &p.host,
                    &p.at.to_string(),
                    previous_host,
                    &previous_at,
                    // Whole milliseconds: the page then needs no float parser.
                    &(if p.tween_ms.is_finite() { p.tween_ms.max(0.0).round() as u64 } else { 0 }).to_string(),
                    has_label,
                    label,
                ]
                .join(&SEP.to_string())
            }
        }
    }

    /// Reads [`FromTracer::encode`]'s string back; `None` for anything else.
    pub fn decode(text: &str) -> Option<FromTracer> {
        if text == "ready" {
            return Some(FromTracer::Ready);
        }
        let fields: Vec<&str> = text.split(SEP).collect();
        match fields.as_slice() {
            ["packet", revision] => Some(FromTracer::Packet { revision: revision.parse().ok()?, packet: None }),
            ["packet", revision, key, host, at, previous_host, previous_at, tween_ms, has_label, label] => {
                let previous = if previous_host.is_empty() {
                    None
                } else {
                    Some((previous_host.to_string(), parse_at(previous_at)?))
                };
                let tween_ms: u64 = tween_ms.parse().ok()?;
                Some(FromTracer::Packet {
                    revision: revision.parse().ok()?,
                    packet: Some(PacketView {
                        key: key.to_string(),
                        host: host.to_string(),
                        at: parse_at(at)?,
                        previous,
                        tween_ms: tween_ms as f64,
                        label: (*has_label == "1").then(|| label.to_string()),
                    }),
                })
            }
            _ => None,
        }
    }
}

/// Reads `At`'s `Display` text back (`dev eth0`, `nat PREROUTING`, `conntrack OUTPUT`,
/// `routing`, `socket`).
pub fn parse_at(text: &str) -> Option<At> {
    let hook = |name: &str| Hook::ALL.into_iter().find(|hook| hook.name() == name);
    match text.split_once(' ') {
        None if text == "routing" => Some(At::Routing),
        None if text == "socket" => Some(At::Socket),
        None => None,
        Some(("dev", device)) if !device.is_empty() => Some(At::Device(device.to_string())),
        Some(("conntrack", name)) => hook(name).map(At::Conntrack),
        Some((table, name)) => {
            let table = Table::ALL.into_iter().find(|t| t.name() == table)?;
            Some(At::Table { hook: hook(name)?, table })
        }
    }
}

thread_local! {
    /// The tracer's inbox, when the tracer is mounted in this module.
    static TRACER_INBOX: RefCell<Option<Callback<ToTracer>>> = const { RefCell::new(None) };
    /// The last message for the tracer that arrived before its inbox did.
    static TRACER_WAITING: RefCell<Option<ToTracer>> = const { RefCell::new(None) };
    /// The page's inbox, when the page is mounted in this module.
    static PAGE_INBOX: RefCell<Option<Callback<FromTracer>>> = const { RefCell::new(None) };
    /// The page's JavaScript listener, in the tracer module (set by the exported `connect`).
    static PAGE_LISTENER: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// What the tracer said before the page listened.
    static PAGE_WAITING: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The tracer's root registers here; a message that came first is handed over at once.
pub fn register_tracer(inbox: Callback<ToTracer>) {
    if let Some(message) = TRACER_WAITING.with(|waiting| waiting.borrow_mut().take()) {
        inbox.emit(message);
    }
    TRACER_INBOX.with(|slot| *slot.borrow_mut() = Some(inbox));
}

/// Delivers a message to the tracer mounted in this module, or keeps it until it mounts.
pub fn deliver_to_tracer(message: ToTracer) {
    let inbox = TRACER_INBOX.with(|slot| slot.borrow().clone());
    match inbox {
        Some(inbox) => inbox.emit(message),
        None => TRACER_WAITING.with(|waiting| *waiting.borrow_mut() = Some(message)),
    }
}

/// Whether a tracer is mounted in this module (the browser tests).
pub fn tracer_is_local() -> bool {
    TRACER_INBOX.with(|slot| slot.borrow().is_some())
}

/// The page registers here to hear from a tracer in the same module.
pub fn register_page(inbox: Callback<FromTracer>) {
    PAGE_INBOX.with(|slot| *slot.borrow_mut() = Some(inbox));
}

/// The tracer module's exported `connect`: from now on, messages go to this function.
pub fn listen(listener: js_sys::Function) {
    let waiting = PAGE_WAITING.with(|waiting| std::mem::take(&mut *waiting.borrow_mut()));
    for message in waiting {
        let _ = listener.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::from_str(&message));
    }
    PAGE_LISTENER.with(|slot| *slot.borrow_mut() = Some(listener));
}

/// Tells the page something: directly when the page is in this module, else through the
/// JavaScript listener the page connected (kept until it has).
pub fn tell_page(message: FromTracer) {
    if let Some(inbox) = PAGE_INBOX.with(|slot| slot.borrow().clone()) {
        inbox.emit(message);
        return;
    }
    let encoded = message.encode();
    let listener = PAGE_LISTENER.with(|slot| slot.borrow().clone());
    match listener {
        Some(listener) => {
            let _ = listener.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::from_str(&encoded));
        }
        None => PAGE_WAITING.with(|waiting| waiting.borrow_mut().push(encoded)),
    }
}

// The page's side of the JavaScript between the modules: a dynamic `import()` of the
// tracer's wasm-bindgen module (same origin, allowed by the page's `script-src 'self'`), its
// `connect` and `update` exports. The URL is resolved against the page, not this snippet.
#[wasm_bindgen(inline_js = r#"
let tracer = null;
export function loadTracer(file, onMessage, onFailed) {
  import(new URL(file, document.baseURI).href)
    .then(async (module) => {
      await module.default();
      tracer = module;
      module.connect(onMessage);
    })
    .catch((error) => onFailed(String((error && error.message) || error)));
}
export function tellTracer(revision, text, lang) {
  if (tracer) tracer.update(revision, text, lang);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = loadTracer)]
    fn load_tracer_module(file: &str, on_message: &js_sys::Function, on_failed: &js_sys::Function);
    #[wasm_bindgen(js_name = tellTracer)]
    fn tell_tracer_module(revision: f64, text: &str, lang: &str);
}

/// Imports the tracer module; its messages arrive at `on_message`, a failure (the browser's
/// reason) at `on_failed`.
pub fn load_tracer(on_message: Callback<FromTracer>, on_failed: Callback<String>) {
    let message = Closure::<dyn FnMut(String)>::new(move |text: String| {
        if let Some(message) = FromTracer::decode(&text) {
            on_message.emit(message);
        }
    });
    let failed = Closure::<dyn FnMut(String)>::new(move |why: String| on_failed.emit(why));
    load_tracer_module(TRACER_MODULE, message.as_ref().unchecked_ref(), failed.as_ref().unchecked_ref());
    // Both live as long as the page: the tracer may speak at any time.
    message.forget();
    failed.forget();
}

/// Tells the tracer which picture to work on: straight to its inbox when it is mounted in
/// this module, else through the loaded module's `update`.
pub fn tell_tracer(message: &ToTracer) {
    if tracer_is_local() {
        deliver_to_tracer(message.clone());
    } else {
        tell_tracer_module(message.revision as f64, &message.text, message.lang.tag());
    }
}

/// The tracer module's `update` export: reads the page's message and delivers it.
pub fn tracer_update(revision: f64, text: String, lang: &str) {
    let revision = if revision.is_finite() && revision >= 0.0 { revision as u64 } else { 0 };
    deliver_to_tracer(ToTracer { revision, text: std::rc::Rc::from(text), lang: Lang::from_tag(lang) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_reads_back() {
        let mut places = vec![At::Device("eth0".into()), At::Device("cali1234567890a".into()), At::Routing, At::Socket];
        for hook in Hook::ALL {
            places.push(At::Conntrack(hook));
            for table in Table::ALL {
                places.push(At::Table { hook, table });
            }
        }
        for at in places {
            assert_eq!(parse_at(&at.to_string()), Some(at.clone()), "{at}");
        }
        assert_eq!(parse_at("dev "), None);
        assert_eq!(parse_at("nat NOWHERE"), None);
        assert_eq!(parse_at("elsewhere"), None);
    }

    #[test]
    fn messages_survive_the_wire() {
        let packet = PacketView {
            key: "3-17".into(),
            host: "default/nginx".into(),
            at: At::Table { hook: Hook::PreRouting, table: Table::Nat },
            previous: Some(("node1".into(), At::Device("tunl0".into()))),
            tween_ms: 412.0,
            label: Some("172.16.120.61:40001 → 192.168.231.166:80".into()),
        };
        let messages = [
            FromTracer::Ready,
            FromTracer::Packet { revision: 7, packet: None },
            FromTracer::Packet { revision: u64::MAX, packet: Some(packet.clone()) },
            FromTracer::Packet { revision: 1, packet: Some(PacketView { previous: None, label: Some(String::new()), ..packet.clone() }) },
            FromTracer::Packet { revision: 1, packet: Some(PacketView { label: None, ..packet }) },
        ];
        for message in messages {
            assert_eq!(FromTracer::decode(&message.encode()), Some(message.clone()), "{message:?}");
        }
        // The move's duration travels in whole milliseconds.
        let odd = FromTracer::Packet { revision: 1, packet: Some(PacketView { tween_ms: 99.6, ..packet_for_rounding() }) };
        assert!(matches!(FromTracer::decode(&odd.encode()), Some(FromTracer::Packet { packet: Some(p), .. }) if p.tween_ms == 100.0));
        for junk in ["", "packet", "packet\u{1f}x", "packet\u{1f}1\u{1f}k", "ready\u{1f}"] {
            assert_eq!(FromTracer::decode(junk), None, "{junk:?}");
        }
    }

    fn packet_for_rounding() -> PacketView {
        PacketView { key: "k".into(), host: "client".into(), at: At::Socket, previous: None, tween_ms: 0.0, label: None }
    }
}
