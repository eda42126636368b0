//! `curl` on a lab host: one traced TCP connection ([`crate::trace::trace`]) from the host,
//! printed as curl 8.5.0 (Ubuntu 24.04's) prints it.
//!
//! Part of [`crate::shell`]. The response body goes to stdout; `-v` adds curl's `*` (info),
//! `>` (request header) and `<` (response header) lines on stderr, interleaved as a terminal
//! shows them. Failures are curl's error lines and exit codes (`curl_easy_strerror`,
//! lib/strerror.c): 6 "Could not resolve host", 7 "Failed to connect to HOST port PORT after
//! N ms: Couldn't connect to server" (a reset or an ICMP error: in `SYN_SENT` every
//! destination-unreachable is a hard error, `tcp_v4_err`), 28 "Connection timed out after N
//! milliseconds" (`-m`), 52 "Empty reply from server". `-s` hides errors, `-S` shows them
//! again.

use std::fmt::Write as _;

use crate::netfilter::target::RejectWith;
use crate::trace::{DropReason, Outcome, Trace, TraceOptions, Url};

use super::host::Host;
use super::{CommandOutput, Lab};

/// How long the kernel keeps retrying a SYN before `connect()` gives up with `ETIMEDOUT`:
/// `tcp_syn_retries` = 6 retransmissions after 1, 2, 4, 8, 16, 32 s and a last wait of 64 s
/// (`TCP_TIMEOUT_INIT` doubling, net/ipv4/tcp_timer.c), 127 s in all. curl's own connect
/// timeout (300 s) is longer, so this is what a `curl` without `-m` waits.
const KERNEL_CONNECT_TIMEOUT_MS: u64 = 127_000;

/// How long ARP tries before the kernel gives up on a neighbour and fails the queued packets
/// with `EHOSTUNREACH`: `mcast_solicit` = 3 probes, `retrans_time_ms` = 1000 apart
/// (ip-sysctl.rst, neigh defaults), 3 s.
const ARP_FAILURE_MS: u64 = 3_000;

/// What the command line asked for.
#[derive(Clone, Debug, Default, PartialEq)]
struct Request {
    url: Option<String>,
    verbose: bool,
    silent: bool,
    show_error: bool,
    discard_body: bool,
    method: Option<String>,
    headers: Vec<(String, String)>,
    max_time_ms: Option<u64>,
}

fn usage_error(message: &str) -> CommandOutput {
    CommandOutput::fail(
        2,
        format!("curl: {message}\ncurl: try 'curl --help' or 'curl --manual' for more information"),
    )
}

/// Seconds as curl's `-m` takes them (a decimal number) to milliseconds.
fn seconds_to_ms(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut millis = 0u64;
    let mut scale = 100u64;
    for c in fraction.chars() {
        let digit = u64::from(c.to_digit(10)?);
        millis = millis.saturating_add(digit.saturating_mul(scale));
        scale /= 10;
    }
    whole.checked_mul(1000)?.checked_add(millis)
}

fn parse(args: &[String]) -> Result<Request, CommandOutput> {
    let mut request = Request::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |option: &str| {
            iter.next().cloned().ok_or_else(|| usage_error(&format!("option {option}: requires parameter")))
        };
        match arg.as_str() {
            "-v" | "--verbose" => request.verbose = true,
            "-s" | "--silent" => request.silent = true,
            "-S" | "--show-error" => request.show_error = true,
            "-sS" | "-Ss" => {
                request.silent = true;
                request.show_error = true;
            }
            "-sv" | "-vs" => {
                request.silent = true;
                request.verbose = true;
            }
            "-o" | "--output" => {
                let file = value(arg)?;
                if file != "/dev/null" {
                    return Err(usage_error("the lab has no files; only -o /dev/null works"));
                }
                request.discard_body = true;
            }
            "-X" | "--request" => request.method = Some(value(arg)?),
            "-H" | "--header" => {
                let header = value(arg)?;
                // curl drops a header line without a colon.
                if let Some((name, text)) = header.split_once(':') {
                    request.headers.push((name.trim().to_string(), text.trim().to_string()));
                }
            }
            "-m" | "--max-time" => {
                let seconds = value(arg)?;
                let millis = seconds_to_ms(&seconds)
                    .ok_or_else(|| usage_error(&format!("option {arg}: expected a proper numerical parameter")))?;
                request.max_time_ms = Some(millis);
            }
            option if option.starts_with('-') && option.len() > 1 => {
                return Err(usage_error(&format!("option {option}: is unknown")));
            }
            url => {
                if request.url.is_none() {
                    request.url = Some(url.to_string());
                }
            }
        }
    }
    Ok(request)
}

/// The `strerror` of the socket error a failed `connect()` reports.
fn reject_errno(with: RejectWith) -> &'static str {
    // Linux `icmp_err_convert` (net/ipv4/icmp.c).
    match with {
        RejectWith::PortUnreachable | RejectWith::TcpReset => "Connection refused",
        RejectWith::NetUnreachable | RejectWith::NetProhibited => "Network is unreachable",
        RejectWith::HostUnreachable | RejectWith::HostProhibited | RejectWith::AdminProhibited => {
            "No route to host"
        }
        RejectWith::ProtoUnreachable => "Protocol not available",
    }
}

/// How the connection ended, for curl.
enum Failure {
    /// `connect()` failed after so many milliseconds with this errno text (exit 7).
    Connect(u64, &'static str),
    /// Nothing came back (exit 28).
    Timeout,
    /// The name did not resolve (exit 6).
    Resolve(String),
    /// Connected, but no HTTP answer (exit 52).
    EmptyReply,
    /// The lab cannot say.
    Lab(String),
}

fn failure(trace: &Trace) -> Option<Failure> {
    match &trace.outcome {
        Outcome::Answered { .. } => match trace.exchange {
            Some(_) => None,
            None => Some(Failure::EmptyReply),
        },
        Outcome::Refused { .. } => Some(Failure::Connect(0, "Connection refused")),
        Outcome::Rejected { with, .. } => Some(Failure::Connect(0, reject_errno(*with))),
        Outcome::Dropped { host, reason: DropReason::Blackhole, .. } if *host == trace.from => {
            Some(Failure::Connect(0, "Invalid argument"))
        }
        // ARP failed: the kernel answers the queued SYN with host unreachable (locally, or by
        // ICMP from the router), a hard error in SYN_SENT.
        Outcome::Dropped { reason: DropReason::NoNeighbour(_), .. } => {
            Some(Failure::Connect(ARP_FAILURE_MS, "No route to host"))
        }
        Outcome::NoRoute { host, .. } if *host == trace.from => Some(Failure::Connect(0, "Network is unreachable")),
        Outcome::Dropped { .. } | Outcome::NoRoute { .. } | Outcome::Timeout { .. } => Some(Failure::Timeout),
        Outcome::Unresolved { name } => Some(Failure::Resolve(name.clone())),
        Outcome::NotEmulated { what } => Some(Failure::Lab(what.clone())),
    }
}

/// `curl [OPTIONS] URL`, run on `host`.
pub fn run(lab: &mut Lab, host: &Host, args: &[String]) -> CommandOutput {
    let request = match parse(args) {
        Ok(request) => request,
        Err(error) => return error,
    };
    let Some(target) = request.url.clone() else {
        return usage_error("no URL specified!");
    };
    let url = match Url::parse(&target) {
        Ok(url) => url,
        Err(_) => return error_output(&request, 3, "URL rejected: Malformed input to a URL function", String::new()),
    };
    let options = TraceOptions {
        method: request.method.clone().unwrap_or_else(|| "GET".to_string()),
        headers: request.headers.clone(),
        ..TraceOptions::default()
    };
    let from = lab.net_host_name(host);
    let trace = lab.connect(&from, &target, &options).clone();
    let mut terminal = String::new();
    let mut stderr = String::new();
    let info = |line: String, terminal: &mut String, stderr: &mut String| {
        if request.verbose {
            terminal.push_str(&line);
            stderr.push_str(&line);
        }
    };
    let server = trace.client.map(|client| (client.dst, client.dst_port));
    if let Some((address, port)) = server {
        info(format!("*   Trying {address}:{port}...\n"), &mut terminal, &mut stderr);
    }
    let connect_failed = |errno: &str| -> String {
        match (trace.client, server) {
            (Some(client), Some((address, port))) => {
                format!("* connect to {address} port {port} from {} port {} failed: {errno}\n", client.src, client.src_port)
            }
            _ => String::new(),
        }
    };
    let (address, port) = server.map_or_else(|| (url.host.clone(), url.port), |(a, p)| (a.to_string(), p));
    let mut failed = failure(&trace);
    if let (Some(Failure::Connect(after, _)), Some(max)) = (&failed, request.max_time_ms)
        && *after > max
    {
        failed = Some(Failure::Timeout);
    }
    match failed {
        None => {
            let Some(exchange) = &trace.exchange else {
                return CommandOutput::default();
            };
            info(format!("* Connected to {} ({address}) port {port}\n", url.host), &mut terminal, &mut stderr);
            let mut head = String::new();
            let _ = writeln!(head, "> {}", exchange.request.request_line());
            for (name, value) in &exchange.request.headers {
                let _ = writeln!(head, "> {name}: {value}");
            }
            head.push_str("> \n");
            let _ = writeln!(head, "< {}", exchange.response.status_line());
            for (name, value) in &exchange.response.headers {
                let _ = writeln!(head, "< {name}: {value}");
            }
            head.push_str("< \n");
            info(head, &mut terminal, &mut stderr);
            let body = if request.discard_body { String::new() } else { exchange.response.body.clone() };
            terminal.push_str(&body);
            info(format!("* Connection #0 to host {} left intact\n", url.host), &mut terminal, &mut stderr);
            CommandOutput { stdout: body, stderr, exit_code: 0, terminal: Some(terminal) }
        }
        Some(Failure::Connect(after, errno)) => {
            info(connect_failed(errno), &mut terminal, &mut stderr);
            let message =
                format!("Failed to connect to {} port {port} after {after} ms: Couldn't connect to server", url.host);
            info(format!("* {message}\n* Closing connection\n"), &mut terminal, &mut stderr);
            finish(&request, 7, &message, terminal, stderr)
        }
        Some(Failure::Timeout) => {
            let (code, message) = match request.max_time_ms {
                Some(max) => (28, format!("Connection timed out after {} milliseconds", max.saturating_add(1))),
                None => {
                    info(connect_failed("Connection timed out"), &mut terminal, &mut stderr);
                    (
                        28,
                        format!(
                            "Failed to connect to {} port {port} after {KERNEL_CONNECT_TIMEOUT_MS} ms: Couldn't connect to server",
                            url.host
                        ),
                    )
                }
            };
            info(format!("* {message}\n* Closing connection\n"), &mut terminal, &mut stderr);
            finish(&request, code, &message, terminal, stderr)
        }
        Some(Failure::Resolve(name)) => {
            let message = format!("Could not resolve host: {name}");
            info(format!("* {message}\n* Closing connection\n"), &mut terminal, &mut stderr);
            finish(&request, 6, &message, terminal, stderr)
        }
        Some(Failure::EmptyReply) => {
            info(format!("* Connected to {} ({address}) port {port}\n", url.host), &mut terminal, &mut stderr);
            let message = "Empty reply from server".to_string();
            info(format!("* {message}\n* Closing connection\n"), &mut terminal, &mut stderr);
            finish(&request, 52, &message, terminal, stderr)
        }
        Some(Failure::Lab(what)) => {
            let line = format!("packetlab: curl: {what}\n");
            terminal.push_str(&line);
            stderr.push_str(&line);
            CommandOutput { stdout: String::new(), stderr, exit_code: 1, terminal: Some(terminal) }
        }
    }
}

/// Adds curl's closing `curl: (N) MESSAGE` line unless `-s` (without `-S`) hides it.
fn finish(request: &Request, code: i32, message: &str, mut terminal: String, mut stderr: String) -> CommandOutput {
    if !request.silent || request.show_error {
        let line = format!("curl: ({code}) {message}\n");
        terminal.push_str(&line);
        stderr.push_str(&line);
    }
    CommandOutput { stdout: String::new(), stderr, exit_code: code, terminal: Some(terminal) }
}

/// An error before any connection.
fn error_output(request: &Request, code: i32, message: &str, terminal: String) -> CommandOutput {
    finish(request, code, message, terminal, String::new())
}

#[cfg(test)]
mod tests {
    use super::{parse, seconds_to_ms};

    #[test]
    fn max_time() {
        assert_eq!(seconds_to_ms("1"), Some(1000));
        assert_eq!(seconds_to_ms("0.5"), Some(500));
        assert_eq!(seconds_to_ms("2.25"), Some(2250));
        assert_eq!(seconds_to_ms("x"), None);
    }

    #[test]
    fn options() {
        let args: Vec<String> =
            ["-sS", "-H", "Host: web.example", "-m", "3", "http://10.96.0.5/"].iter().map(ToString::to_string).collect();
        let request = parse(&args).ok().unwrap_or_default();
        assert!(request.silent && request.show_error);
        assert_eq!(request.headers, vec![("Host".to_string(), "web.example".to_string())]);
        assert_eq!(request.max_time_ms, Some(3000));
        assert_eq!(request.url.as_deref(), Some("http://10.96.0.5/"));
        assert!(parse(&["--frobnicate".to_string()]).is_err());
    }
}
