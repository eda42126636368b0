//! `packetlab`: the engine's shell on the command line, and the only place with I/O.
//!
//! It reads manifest files, builds a [`engine::shell::Lab`] from them and runs either one
//! command (`--on HOST -- COMMAND ...`) or a transcript of `HOST$ COMMAND` lines from stdin.
//! Diagnostics go to stderr as `FILE:LINE:COL: error: ...`, with lines counted in each file.

use std::io::{Read, Write};
use std::process::ExitCode;

use engine::diagnostic::{Diagnostic, Position, Severity};
use engine::shell::{CommandOutput, DEFAULT_SEED, Lab, LabClock};

const SYNOPSIS: &str = "\
Usage:
  packetlab [OPTIONS] [FILE...] --on HOST -- COMMAND [ARGS...]
  packetlab [OPTIONS] [FILE...] < TRANSCRIPT
";

const USAGE_DETAILS: &str = "
Builds the cluster the manifest FILEs describe (YAML or JSON; `-` reads stdin; several
files are separate documents; no FILE means the lab's default cluster) and runs commands
on its hosts as if logged in there.

With --on, runs one COMMAND on HOST. Without it, reads a transcript from stdin: one
`HOST$ COMMAND` per line (blank lines and lines starting with `#` are skipped), and prints
each prompt line followed by what the command printed, as a terminal would show it.

HOST is a node name, a pod as NAMESPACE/NAME or NAME, or `client` (a host outside the
cluster). Run `help` on any host to list the commands.

Options:
      --on HOST     run one command on HOST (the command follows `--`)
      --age AGE     how long ago the objects were created, for kubectl's AGE column
                    (seconds, or a number with s, m, h or d; default 10m)
      --seed N      seed the random generator (client ports, kube-proxy's random
                    endpoint choice, MASQUERADE ports) with N (default 1); the same
                    seed always prints the same output (`lab seed N` in a transcript)
  -v, --verbose     also print informational notes (e.g. which defaults the lab filled in)
  -h, --help        print this help

Exit status: with --on, the command's own (curl's 7 for a refused connection, 6 for
an unknown name, 28 for a timeout), or 1 when the manifests have errors; for a transcript,
0 when everything worked and 1 when the manifests have errors or a command failed; 2 when
the command line itself is wrong.
";

/// What the command line asked for.
struct Options {
    files: Vec<String>,
    on: Option<String>,
    command: Vec<String>,
    clock: LabClock,
    seed: u64,
    verbose: bool,
}

/// A usage error: the message, printed with the usage text, exit status 2.
struct UsageError(String);

fn parse_age(text: &str) -> Option<i64> {
    let (number, unit) = match text.char_indices().last() {
        Some((index, c)) if c.is_ascii_alphabetic() => (text.get(..index)?, c),
        _ => (text, 's'),
    };
    let number: i64 = number.parse().ok()?;
    if number < 0 {
        return None;
    }
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        _ => return None,
    };
    number.checked_mul(scale)
}

fn parse_seed(text: &str) -> Result<u64, UsageError> {
    text.parse().map_err(|_| UsageError(format!("--seed takes a whole number from 0 to {}, not `{text}`", u64::MAX)))
}

fn parse_args(args: &[String]) -> Result<Option<Options>, UsageError> {
    let mut options =
        Options {
        files: Vec::new(),
        on: None,
        command: Vec::new(),
        clock: LabClock::default(),
        seed: DEFAULT_SEED,
        verbose: false,
    };
    let mut saw_separator = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "-v" | "--verbose" => options.verbose = true,
            "--" => {
                saw_separator = true;
                options.command = iter.by_ref().cloned().collect();
            }
            "--on" => {
                let host = iter.next().ok_or_else(|| UsageError("--on needs a HOST".to_string()))?;
                options.on = Some(host.clone());
            }
            "--seed" => {
                let seed = iter.next().ok_or_else(|| UsageError("--seed needs a number".to_string()))?;
                options.seed = parse_seed(seed)?;
            }
            "--age" => {
                let age = iter.next().ok_or_else(|| UsageError("--age needs an AGE".to_string()))?;
                let seconds = parse_age(age)
                    .ok_or_else(|| UsageError(format!("--age takes a number of seconds or e.g. 10m, not `{age}`")))?;
                options.clock = LabClock { age_seconds: seconds, ..LabClock::default() };
            }
            other => {
                if let Some(seed) = other.strip_prefix("--seed=") {
                    options.seed = parse_seed(seed)?;
                } else if let Some(host) = other.strip_prefix("--on=") {
                    options.on = Some(host.to_string());
                } else if let Some(age) = other.strip_prefix("--age=") {
                    let seconds = parse_age(age).ok_or_else(|| {
                        UsageError(format!("--age takes a number of seconds or e.g. 10m, not `{age}`"))
                    })?;
                    options.clock = LabClock { age_seconds: seconds, ..LabClock::default() };
                } else if other.starts_with('-') && other != "-" {
                    return Err(UsageError(format!("unknown option `{other}`")));
                } else {
                    options.files.push(other.to_string());
                }
            }
        }
    }
    match (&options.on, saw_separator) {
        (Some(_), false) => return Err(UsageError("--on HOST needs a command after `--`".to_string())),
        (Some(_), true) if options.command.is_empty() => {
            return Err(UsageError("no COMMAND after `--`".to_string()));
        }
        (None, true) => return Err(UsageError("a command after `--` needs --on HOST".to_string())),
        _ => {}
    }
    if options.on.is_none() && options.files.iter().any(|file| file == "-") {
        return Err(UsageError(
            "stdin cannot hold both a manifest (`-`) and the transcript; use --on or a file".to_string(),
        ));
    }
    if options.files.iter().filter(|file| *file == "-").count() > 1 {
        return Err(UsageError("`-` (stdin) can be given only once".to_string()));
    }
    Ok(Some(options))
}

/// One input file's place in the concatenated manifest text.
struct Source {
    name: String,
    /// The 1-based line of the whole text where this file's first line is.
    first_line: usize,
}

/// The manifest files joined as separate YAML documents, and where each one starts.
struct Sources {
    text: String,
    files: Vec<Source>,
}

impl Sources {
    fn read(files: &[String]) -> Result<Sources, String> {
        let mut sources = Sources { text: String::new(), files: Vec::new() };
        let mut next_line = 1usize;
        for (index, file) in files.iter().enumerate() {
            let (name, content) = if file == "-" {
                let mut content = String::new();
                std::io::stdin()
                    .read_to_string(&mut content)
                    .map_err(|error| format!("cannot read stdin: {error}"))?;
                ("<stdin>".to_string(), content)
            } else {
                let content =
                    std::fs::read_to_string(file).map_err(|error| format!("cannot read {file}: {error}"))?;
                (file.clone(), content)
            };
            if index > 0 {
                if !sources.text.is_empty() && !sources.text.ends_with('\n') {
                    sources.text.push('\n');
                }
                sources.text.push_str("---\n");
                next_line = next_line.saturating_add(1);
            }
            sources.files.push(Source { name, first_line: next_line });
            next_line = next_line.saturating_add(content.lines().count().max(1));
            sources.text.push_str(&content);
        }
        Ok(sources)
    }

    /// `diagnostic` rendered against the file (and line in it) it points into.
    fn render(&self, diagnostic: &Diagnostic) -> String {
        let whole_file = match self.files.as_slice() {
            [only] => only.name.clone(),
            _ => "packetlab".to_string(),
        };
        let Some(position) = diagnostic.position else {
            return diagnostic.render(&whole_file);
        };
        let Some(source) = self.files.iter().rev().find(|source| source.first_line <= position.line) else {
            return diagnostic.render(&whole_file);
        };
        let mut local = diagnostic.clone();
        local.position =
            Some(Position { line: position.line.saturating_sub(source.first_line).saturating_add(1), ..position });
        local.render(&source.name)
    }
}

/// Writes one command's output into a transcript as a terminal would show it: the command's
/// own interleaving when it has one (`curl -v`, `tcpdump`), else warnings (which kubectl
/// prints as the response arrives) first, then stdout, then other errors.
fn transcript_output(out: &mut String, output: &CommandOutput) {
    if let Some(terminal) = &output.terminal {
        out.push_str(terminal);
        return;
    }
    let (warnings, errors): (Vec<&str>, Vec<&str>) =
        output.stderr.lines().partition(|line| line.starts_with("Warning: "));
    for line in warnings {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&output.stdout);
    for line in errors {
        out.push_str(line);
        out.push('\n');
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            let _ = std::io::stdout().write_all(format!("{SYNOPSIS}{USAGE_DETAILS}").as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(UsageError(message)) => {
            let text = format!("packetlab: {message}\n\n{SYNOPSIS}\nRun `packetlab --help` for more.\n");
            let _ = std::io::stderr().write_all(text.as_bytes());
            return ExitCode::from(2);
        }
    };
    let sources = match Sources::read(&options.files) {
        Ok(sources) => sources,
        Err(message) => {
            let _ = std::io::stderr().write_all(format!("packetlab: {message}\n").as_bytes());
            return ExitCode::from(1);
        }
    };
    let mut lab = Lab::from_text(&sources.text).with_clock(options.clock).with_seed(options.seed);
    let mut failed = false;
    // With --on, the command's exit status (as `ssh HOST COMMAND` passes it on).
    let mut command_status: Option<u8> = None;
    let mut stderr = String::new();
    for diagnostic in lab.diagnostics() {
        if diagnostic.severity == Severity::Info && !options.verbose {
            continue;
        }
        failed |= diagnostic.is_error();
        stderr.push_str(&sources.render(diagnostic));
        stderr.push('\n');
    }
    let _ = std::io::stderr().write_all(stderr.as_bytes());

    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(host_name) = &options.on {
        match lab.host(host_name) {
            Ok(host) => {
                let output = lab.run_words(&host, &options.command);
                failed |= !output.success();
                command_status = u8::try_from(output.exit_code.rem_euclid(256)).ok();
                stdout.push_str(&output.stdout);
                stderr.push_str(&output.stderr);
            }
            Err(error) => {
                failed = true;
                stderr.push_str(&format!("packetlab: {error}\n"));
            }
        }
    } else {
        let mut transcript = String::new();
        if let Err(error) = std::io::stdin().read_to_string(&mut transcript) {
            let message = format!("packetlab: cannot read the transcript from stdin: {error}\n");
            let _ = std::io::stderr().write_all(message.as_bytes());
            return ExitCode::from(1);
        }
        for (index, line) in transcript.lines().enumerate() {
            let line_number = index.saturating_add(1);
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((host_name, command)) = trimmed.split_once('$') else {
                failed = true;
                stderr.push_str(&format!(
                    "<stdin>:{line_number}:1: error: expected `HOST$ COMMAND`, e.g. `node1$ kubectl get pods`\n"
                ));
                continue;
            };
            let host_name = host_name.trim();
            let command = command.trim();
            stdout.push_str(&format!("{host_name}$ {command}\n"));
            match lab.host(host_name) {
                Ok(host) => {
                    let output = lab.run(&host, command);
                    failed |= !output.success();
                    transcript_output(&mut stdout, &output);
                }
                Err(error) => {
                    failed = true;
                    stdout.push_str(&format!("packetlab: {error}\n"));
                    stderr.push_str(&format!("<stdin>:{line_number}:1: error: {error}\n"));
                }
            }
        }
    }
    // Broken pipes (e.g. `| head`) are not worth a panic message.
    let _ = std::io::stdout().write_all(stdout.as_bytes());
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(stderr.as_bytes());
    match command_status {
        Some(status) if status != 0 => ExitCode::from(status),
        _ if failed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_age;

    #[test]
    fn ages() {
        assert_eq!(parse_age("90"), Some(90));
        assert_eq!(parse_age("10m"), Some(600));
        assert_eq!(parse_age("2d"), Some(172_800));
        assert_eq!(parse_age("-1"), None);
        assert_eq!(parse_age("5w"), None);
        assert_eq!(parse_age(""), None);
    }
}
