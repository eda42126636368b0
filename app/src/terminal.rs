//! The terminal panel's state: which host commands run on, and what they printed.
//!
//! Commands go to the engine's shell (`engine::shell::Lab`: `kubectl`, `iptables-save`,
//! `iptables`, pipes into `grep`/`head`/`tail`/`wc`), on the store's one lab (the world the
//! Send form traces in too, so `conntrack -L` shows what a Send left). Output is kept exactly as the tools print it; only very long output is cut, and
//! only the newest entries are kept, so a loop of `iptables-save` cannot fill the memory.

use std::rc::Rc;

use engine::shell::{CommandOutput, Lab};

use crate::analysis::Picture;

/// At most this many commands are kept on screen.
pub const MAX_ENTRIES: usize = 50;
/// At most this many bytes of one command's output are kept.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024;
/// The longest command line accepted.
pub const MAX_COMMAND_BYTES: usize = 4096;

/// One command and what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub host: String,
    pub command: String,
    pub output: CommandOutput,
    /// Whether the output was cut at [`MAX_OUTPUT_BYTES`].
    pub truncated: bool,
}

#[derive(Clone, Debug, Default)]
pub struct TerminalState {
    /// The host name commands run on (as `Lab::hosts` names them).
    pub host: String,
    /// Shared with the panel's props: a keystroke in the editor must not copy them.
    pub entries: Rc<Vec<Entry>>,
}

impl TerminalState {
    /// The hosts a command can run on, for the picker.
    pub fn hosts(picture: &Picture) -> Vec<String> {
        engine::shell::host::known_hosts(&picture.cluster)
    }

    /// Keeps the chosen host when the new picture still has it, else picks `client` (the
    /// post's outside machine) or the first host.
    pub fn follow(&mut self, picture: &Picture) {
        let hosts = TerminalState::hosts(picture);
        if !hosts.contains(&self.host) {
            self.host = hosts.iter().find(|h| *h == "client").or_else(|| hosts.first()).cloned().unwrap_or_default();
        }
    }

    /// Runs `command` on the chosen host of `lab` and records it.
    pub fn run(&mut self, lab: &mut Lab, command: &str) {
        let command = command.trim();
        if command.is_empty() {
            return;
        }
        let output = if command.len() > MAX_COMMAND_BYTES {
            CommandOutput::fail(2, format!("bash: command line longer than {MAX_COMMAND_BYTES} bytes"))
        } else {
            match lab.host(&self.host) {
                Ok(host) => lab.run(&host, command),
                Err(error) => CommandOutput::fail(1, error.to_string()),
            }
        };
        let (output, truncated) = cut(output);
        let entries = Rc::make_mut(&mut self.entries);
        entries.push(Entry { host: self.host.clone(), command: command.to_string(), output, truncated });
        let excess = entries.len().saturating_sub(MAX_ENTRIES);
        entries.drain(..excess);
    }

    pub fn clear(&mut self) {
        self.entries = Rc::default();
    }
}

fn cut(mut output: CommandOutput) -> (CommandOutput, bool) {
    let mut truncated = false;
    for text in [&mut output.stdout, &mut output.stderr] {
        if text.len() > MAX_OUTPUT_BYTES {
            let mut end = MAX_OUTPUT_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            truncated = true;
        }
    }
    (output, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;

    fn picture() -> Picture {
        let (_, mut picture) = crate::analysis::analyse(Example::NodePort.text());
        picture.revision = 1;
        picture
    }

    fn lab(picture: &Picture) -> Lab {
        Lab::from_cluster(picture.cluster.clone())
    }

    #[test]
    fn kubectl_and_iptables_save_print_as_the_tools_do() {
        let picture = picture();
        let mut lab = lab(&picture);
        let mut terminal = TerminalState::default();
        terminal.follow(&picture);
        assert_eq!(terminal.host, "client");
        terminal.run(&mut lab, "kubectl get svc sample-service");
        let entry = terminal.entries.last().expect("an entry");
        assert_eq!(entry.output.exit_code, 0, "{:?}", entry.output);
        assert!(entry.output.stdout.starts_with("NAME "), "{}", entry.output.stdout);
        assert!(entry.output.stdout.contains("8080:31000/TCP"));
        terminal.host = "node1".into();
        terminal.run(&mut lab, "iptables-save -t nat | grep 31000");
        let entry = terminal.entries.last().expect("an entry");
        assert_eq!(entry.host, "node1");
        // kube-proxy's NodePort rule: KUBE-NODEPORTS matches the port and jumps to KUBE-EXT-….
        assert!(
            entry.output.stdout.lines().any(|l| l.starts_with("-A KUBE-NODEPORTS") && l.contains("--dport 31000")),
            "{}",
            entry.output.stdout
        );
    }

    #[test]
    fn unknown_hosts_and_commands_fail_like_a_shell() {
        let picture = picture();
        let mut lab = lab(&picture);
        let mut terminal = TerminalState { host: "nowhere".into(), ..TerminalState::default() };
        terminal.run(&mut lab, "hostname");
        assert_eq!(terminal.entries[0].output.exit_code, 1);
        terminal.follow(&picture);
        terminal.run(&mut lab, "frobnicate");
        assert_eq!(terminal.entries[1].output.exit_code, 127);
        terminal.run(&mut lab, "   ");
        assert_eq!(terminal.entries.len(), 2);
        terminal.run(&mut lab, &"x".repeat(MAX_COMMAND_BYTES + 1));
        assert_eq!(terminal.entries[2].output.exit_code, 2);
    }

    #[test]
    fn history_and_output_are_bounded() {
        let picture = picture();
        let mut lab = lab(&picture);
        let mut terminal = TerminalState::default();
        terminal.follow(&picture);
        for _ in 0..(MAX_ENTRIES + 5) {
            terminal.run(&mut lab, "echo hi");
        }
        assert_eq!(terminal.entries.len(), MAX_ENTRIES);
        let (output, truncated) = cut(CommandOutput::ok("é".repeat(MAX_OUTPUT_BYTES)));
        assert!(truncated && output.stdout.len() <= MAX_OUTPUT_BYTES);
    }
}
