//! The text filters a pipeline can end in: `grep`, `head`, `tail` and `wc`, enough to look
//! for one Service in `iptables-save | grep 31000` the way one would on a real node.
//!
//! They read the previous command's stdout and follow GNU grep and coreutils in their output,
//! messages and exit status (grep: 0 when a line was selected, 1 when none, 2 on errors).

use super::CommandOutput;
use super::regex::Regex;

/// Whether `command` is one of the filters here.
pub fn is_filter(command: &str) -> bool {
    matches!(command, "grep" | "egrep" | "fgrep" | "head" | "tail" | "wc")
}

/// Runs filter `command` with `args` over `input`.
pub fn run(command: &str, args: &[String], input: &str) -> CommandOutput {
    match command {
        "grep" => grep(args, input, false, false),
        "egrep" => grep(args, input, true, false),
        "fgrep" => grep(args, input, false, true),
        "head" => head_tail(command, args, input),
        "tail" => head_tail(command, args, input),
        _ => wc(args, input),
    }
}

fn grep_usage() -> CommandOutput {
    CommandOutput::fail(2, "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.")
}

/// `grep [-E|-F] [-i] [-v] [-c] [-n] [-q] [-e PATTERN]... [PATTERN]`.
fn grep(args: &[String], input: &str, extended: bool, fixed: bool) -> CommandOutput {
    let (mut extended, mut fixed) = (extended, fixed);
    let (mut ignore_case, mut invert, mut count, mut numbers, mut quiet) = (false, false, false, false, false);
    let mut patterns: Vec<String> = Vec::new();
    let mut operands: Vec<String> = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            operands.extend(iter.by_ref().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            match long {
                "extended-regexp" => extended = true,
                "fixed-strings" => fixed = true,
                "basic-regexp" => (extended, fixed) = (false, false),
                "ignore-case" => ignore_case = true,
                "invert-match" => invert = true,
                "count" => count = true,
                "line-number" => numbers = true,
                "quiet" | "silent" => quiet = true,
                _ => {
                    if let Some(pattern) = long.strip_prefix("regexp=") {
                        patterns.push(pattern.to_string());
                    } else {
                        return CommandOutput::fail(
                            2,
                            format!("grep: unrecognized option '{arg}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."),
                        );
                    }
                }
            }
            continue;
        }
        if let Some(group) = arg.strip_prefix('-').filter(|group| !group.is_empty()) {
            for (offset, letter) in group.char_indices() {
                match letter {
                    'E' => extended = true,
                    'F' => fixed = true,
                    'G' => (extended, fixed) = (false, false),
                    'i' | 'y' => ignore_case = true,
                    'v' => invert = true,
                    'c' => count = true,
                    'n' => numbers = true,
                    'q' | 's' => quiet = true,
                    'e' => {
                        let rest = group.get(offset.saturating_add(1)..).unwrap_or("");
                        let pattern = if rest.is_empty() { iter.next().cloned() } else { Some(rest.to_string()) };
                        match pattern {
                            Some(pattern) => patterns.push(pattern),
                            None => {
                                return CommandOutput::fail(
                                    2,
                                    "grep: option requires an argument -- 'e'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.",
                                );
                            }
                        }
                        break;
                    }
                    other => {
                        return CommandOutput::fail(
                            2,
                            format!("grep: invalid option -- '{other}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."),
                        );
                    }
                }
            }
            continue;
        }
        operands.push(arg.clone());
    }
    if patterns.is_empty() {
        if operands.is_empty() {
            return grep_usage();
        }
        patterns.push(operands.remove(0));
    }
    if let Some(file) = operands.first() {
        return CommandOutput::fail(2, format!("grep: {file}: No such file or directory"));
    }
    // Each pattern may hold several, one per line, as in grep.
    let mut compiled = Vec::new();
    for pattern in patterns.iter().flat_map(|pattern| pattern.split('\n')) {
        let regex = if fixed { Ok(Regex::literal(pattern, ignore_case)) } else { Regex::new(pattern, extended, ignore_case) };
        match regex {
            Ok(regex) => compiled.push(regex),
            Err(error) => return CommandOutput::fail(2, format!("grep: {}", error.0)),
        }
    }
    let mut out = String::new();
    let mut selected = 0usize;
    for (index, line) in input.lines().enumerate() {
        let mut hit = false;
        for regex in &compiled {
            match regex.is_match(line) {
                Ok(true) => {
                    hit = true;
                    break;
                }
                Ok(false) => {}
                Err(error) => return CommandOutput::fail(2, format!("grep: {}", error.0)),
            }
        }
        if hit == invert {
            continue;
        }
        selected = selected.saturating_add(1);
        if !count && !quiet {
            if numbers {
                out.push_str(&format!("{}:", index.saturating_add(1)));
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    if quiet {
        out.clear();
    } else if count {
        out = format!("{selected}\n");
    }
    CommandOutput { stdout: out, stderr: String::new(), exit_code: if selected > 0 { 0 } else { 1 }, terminal: None }
}

/// `head [-n N | -N]` and `tail [-n N | -N | -n +N]` (10 lines by default).
fn head_tail(command: &str, args: &[String], input: &str) -> CommandOutput {
    let mut count_text: Option<String> = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-n" || arg == "--lines" {
            match iter.next() {
                Some(value) => count_text = Some(value.clone()),
                None => {
                    return CommandOutput::fail(
                        1,
                        format!("{command}: option requires an argument -- 'n'\nTry '{command} --help' for more information."),
                    );
                }
            }
        } else if let Some(value) = arg.strip_prefix("--lines=").or_else(|| arg.strip_prefix("-n")) {
            count_text = Some(value.to_string());
        } else if let Some(value) = arg.strip_prefix('-').filter(|value| value.chars().all(|c| c.is_ascii_digit()) && !value.is_empty()) {
            count_text = Some(value.to_string());
        } else if arg.starts_with('-') {
            return CommandOutput::fail(
                1,
                format!("{command}: invalid option -- '{}'\nTry '{command} --help' for more information.", arg.trim_start_matches('-')),
            );
        } else {
            return CommandOutput::fail(1, format!("{command}: cannot open '{arg}' for reading: No such file or directory"));
        }
    }
    let text = count_text.unwrap_or_else(|| "10".to_string());
    let from_start = command == "tail" && text.starts_with('+');
    let Ok(count) = text.trim_start_matches('+').parse::<usize>() else {
        return CommandOutput::fail(1, format!("{command}: invalid number of lines: ‘{text}’"));
    };
    let lines: Vec<&str> = input.lines().collect();
    let chosen: &[&str] = if command == "head" {
        lines.get(..count.min(lines.len())).unwrap_or_default()
    } else if from_start {
        lines.get(count.saturating_sub(1).min(lines.len())..).unwrap_or_default()
    } else {
        lines.get(lines.len().saturating_sub(count)..).unwrap_or_default()
    };
    let mut out = String::new();
    for line in chosen {
        out.push_str(line);
        out.push('\n');
    }
    CommandOutput::ok(out)
}

/// `wc [-l] [-w] [-c]`: counts of stdin, each right-aligned in 7 columns as GNU wc prints
/// them for a pipe (a single count is printed bare).
fn wc(args: &[String], input: &str) -> CommandOutput {
    let (mut lines, mut words, mut bytes) = (false, false, false);
    for arg in args {
        match arg.as_str() {
            "-l" | "--lines" => lines = true,
            "-w" | "--words" => words = true,
            "-c" | "--bytes" => bytes = true,
            group if group.starts_with('-') && group.len() > 1 && group.chars().skip(1).all(|c| "lwc".contains(c)) => {
                lines |= group.contains('l');
                words |= group.contains('w');
                bytes |= group.contains('c');
            }
            other if other.starts_with('-') => {
                return CommandOutput::fail(1, format!("wc: invalid option -- '{}'\nTry 'wc --help' for more information.", other.trim_start_matches('-')));
            }
            other => return CommandOutput::fail(1, format!("wc: {other}: No such file or directory")),
        }
    }
    if !lines && !words && !bytes {
        (lines, words, bytes) = (true, true, true);
    }
    let mut counts = Vec::new();
    if lines {
        counts.push(input.matches('\n').count());
    }
    if words {
        counts.push(input.split_whitespace().count());
    }
    if bytes {
        counts.push(input.len());
    }
    let text = match counts.as_slice() {
        [single] => single.to_string(),
        several => several.iter().map(|count| format!("{count:>7}")).collect::<Vec<_>>().join(" "),
    };
    CommandOutput::ok(format!("{text}\n"))
}

#[cfg(test)]
mod tests {
    use super::run;

    const SAVE: &str = "\
*nat
:KUBE-SERVICES - [0:0]
-A KUBE-NODEPORTS -p tcp -m comment --comment \"default/sample-service:http\" -m tcp --dport 31000 -j KUBE-EXT-X
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -j KUBE-SEP-A
COMMIT
";

    fn filter(line: &[&str]) -> (String, i32) {
        let args: Vec<String> = line.iter().skip(1).map(|arg| arg.to_string()).collect();
        let output = run(line[0], &args, SAVE);
        (output.stdout + &output.stderr, output.exit_code)
    }

    #[test]
    fn grep_selects_lines() {
        assert_eq!(filter(&["grep", "31000"]).0.lines().count(), 1);
        assert_eq!(filter(&["grep", "-c", "KUBE-SVC"]), ("2\n".to_string(), 0));
        assert_eq!(filter(&["grep", "-vc", "^-A"]), ("3\n".to_string(), 0));
        assert_eq!(filter(&["grep", "-n", "COMMIT"]), ("6:COMMIT\n".to_string(), 0));
        assert_eq!(filter(&["grep", "-E", "SVC-[A-Z0-9]{16}$"]).0.lines().count(), 1);
        assert_eq!(filter(&["grep", "-i", "commit"]).1, 0);
        assert_eq!(filter(&["grep", "-F", "10.96.0.10/32"]).1, 0);
        assert_eq!(filter(&["grep", "nothing-here"]), (String::new(), 1));
        assert_eq!(filter(&["grep", "-q", "nat"]), (String::new(), 0));
        assert_eq!(filter(&["grep", "-e", "udp", "-e", "31000"]).0.lines().count(), 2);
    }

    #[test]
    fn grep_errors() {
        assert_eq!(filter(&["grep"]).1, 2);
        assert_eq!(filter(&["grep", "[abc"]), ("grep: Unmatched [, [^, [:, [., or [=\n".to_string(), 2));
        assert_eq!(filter(&["grep", "x", "file.txt"]), ("grep: file.txt: No such file or directory\n".to_string(), 2));
        assert_eq!(filter(&["grep", "-Z", "x"]).1, 2);
    }

    #[test]
    fn head_tail_wc() {
        assert_eq!(filter(&["head", "-n", "2"]).0, "*nat\n:KUBE-SERVICES - [0:0]\n");
        assert_eq!(filter(&["head", "-1"]).0, "*nat\n");
        assert_eq!(filter(&["tail", "-n", "1"]).0, "COMMIT\n");
        assert_eq!(filter(&["tail", "-n", "+6"]).0, "COMMIT\n");
        assert_eq!(filter(&["wc", "-l"]).0, "6\n");
        assert_eq!(filter(&["head", "-n", "x"]).1, 1);
        let all = filter(&["wc"]).0;
        assert_eq!(all, format!("{:>7} {:>7} {:>7}\n", 6, SAVE.split_whitespace().count(), SAVE.len()));
    }
}
