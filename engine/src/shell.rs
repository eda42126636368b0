//! The engine's command shell: `kubectl`, `iptables-save`, `iptables` and `help`, run on a
//! node, a pod or an outside client of the lab's cluster.
//!
//! It sits at the end of the pipeline and only reads it: manifest text -> `manifest::parse`
//! -> `cluster::build` -> [`Cluster`] -> `kubeproxy::generate` per node (computed when a
//! command first needs it, then cached). The CLI (`packetlab`) and the browser's terminal
//! both drive a [`Lab`] through [`Lab::run`]; this module does no I/O and reads no clock.

use crate::cluster::Cluster;
use crate::diagnostic::Diagnostic;

pub mod duration;
pub mod host;
pub mod iptables;
pub mod kubectl;
pub mod tabwriter;
pub mod words;

pub use host::{Host, HostError};

/// What a command printed and how it ended, like a process's stdout, stderr and exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl CommandOutput {
    /// Success with `stdout`.
    pub fn ok(stdout: impl Into<String>) -> CommandOutput {
        CommandOutput { stdout: stdout.into(), stderr: String::new(), exit_code: 0 }
    }

    /// Failure with `stderr` (a trailing newline is added when missing).
    pub fn fail(exit_code: i32, stderr: impl Into<String>) -> CommandOutput {
        let mut stderr = stderr.into();
        if !stderr.is_empty() && !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        CommandOutput { stdout: String::new(), stderr, exit_code }
    }

    pub fn success(&self) -> bool {
        self.exit_code == 0
    }
}

/// The lab's stand-in for the wall clock: how long ago every object was created.
///
/// The engine reads no clock, so `kubectl get` ages come from here. The default makes every
/// object ten minutes old (`10m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabClock {
    /// Seconds between the objects' `creationTimestamp` and "now".
    pub age_seconds: i64,
}

impl Default for LabClock {
    fn default() -> LabClock {
        LabClock { age_seconds: 600 }
    }
}

impl LabClock {
    /// The `AGE` cell kubectl would print for an object created at the lab's start.
    pub fn age(&self) -> String {
        duration::human_duration(self.age_seconds.saturating_mul(1000))
    }
}

/// A session: the cluster built from the user's manifests, plus everything derived from it.
#[derive(Clone, Debug)]
pub struct Lab {
    cluster: Cluster,
    diagnostics: Vec<Diagnostic>,
    clock: LabClock,
}

impl Lab {
    /// Parses and builds `text` (multi-document YAML or JSON). Never fails: problems are in
    /// [`Lab::diagnostics`], with positions in `text`.
    pub fn from_text(text: &str) -> Lab {
        let (manifests, mut diagnostics) = crate::manifest::parse(text);
        let (cluster, build_diagnostics) = crate::cluster::build(&manifests);
        diagnostics.extend(build_diagnostics);
        Lab::new(cluster, diagnostics)
    }

    /// A lab over an already built cluster.
    pub fn from_cluster(cluster: Cluster) -> Lab {
        Lab::new(cluster, Vec::new())
    }

    fn new(cluster: Cluster, diagnostics: Vec<Diagnostic>) -> Lab {
        Lab { cluster, diagnostics, clock: LabClock::default() }
    }

    /// Sets the lab clock used for `AGE` columns.
    pub fn with_clock(mut self, clock: LabClock) -> Lab {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> LabClock {
        self.clock
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Problems found while parsing and building, in the order they were found.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Finds the host a user named: a node, an outside host (`client`), a pod as
    /// `NAMESPACE/NAME`, or a pod name that is unique across namespaces.
    pub fn host(&self, name: &str) -> Result<Host, HostError> {
        host::resolve(&self.cluster, name)
    }

    /// Runs one command line on `host`, like a shell would.
    pub fn run(&mut self, host: &Host, command_line: &str) -> CommandOutput {
        match words::split(command_line) {
            Ok(words) => self.run_words(host, &words),
            Err(error) => CommandOutput::fail(2, error.message()),
        }
    }

    /// Runs a command already split into words (`argv`).
    pub fn run_words(&mut self, host: &Host, words: &[String]) -> CommandOutput {
        let mut args = words;
        // `sudo` changes nothing in the lab: every command already runs as root.
        while let Some((first, rest)) = args.split_first() {
            if first != "sudo" {
                break;
            }
            args = rest;
        }
        let Some((command, args)) = args.split_first() else {
            return CommandOutput::default();
        };
        match command.as_str() {
            "kubectl" => kubectl::run(self, args),
            "iptables-save" => iptables::save(self, host, args),
            "iptables" => iptables::iptables(self, host, args),
            "help" => CommandOutput::ok(help()),
            other => CommandOutput::fail(127, format!("bash: {other}: command not found")),
        }
    }
}

/// The text `help` prints.
pub fn help() -> String {
    "\
Commands in the lab (run on a node, a pod or `client`):
  kubectl get RESOURCE [NAME] [-n NAMESPACE | -A] [-o wide|yaml|json|name]
      RESOURCE: nodes (no), pods (po), services (svc), endpointslices,
      endpoints (ep), ingresses (ing), deployments (deploy)
  iptables-save [-t TABLE]
  iptables [-t TABLE] -S [CHAIN]
  iptables [-t TABLE] -L [CHAIN] [-n] [-v] [--line-numbers]
  help
Quotes and backslashes work as in a shell; pipes and redirections do not.
"
    .to_string()
}
