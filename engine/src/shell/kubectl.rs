//! `kubectl` in the lab: `kubectl get` over the resolved [`crate::cluster::Cluster`], printed
//! with kubectl's own columns, spacing, messages and exit codes.
//!
//! Flags are parsed the way kubectl's flag library (spf13/pflag) does: `-n NS`, `-nNS`,
//! `-n=NS`, `--namespace NS`, `--namespace=NS`, anywhere on the line.

use super::tabwriter::Table;
use super::{CommandOutput, Lab};
use crate::cluster::Labels;

pub mod objects;
pub mod printers;
pub mod resource;
pub mod value;

use resource::{Kind, Object};
use value::Value;

/// `-o` formats the lab prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
}

/// The parsed command line of `kubectl get`.
#[derive(Clone, Debug)]
struct GetArgs {
    positionals: Vec<String>,
    namespace: Option<String>,
    all_namespaces: bool,
    output: Output,
    selector: Option<String>,
    show_labels: bool,
    no_headers: bool,
}

const GET_HELP: &str = "\
Display one or many resources.

Usage:
  kubectl get RESOURCE [NAME...] [-n NAMESPACE | -A] [-o wide|yaml|json|name] [-l SELECTOR]
      [--show-labels] [--no-headers]

Resources in the lab: nodes (no), namespaces (ns), pods (po), services (svc), endpoints (ep),
endpointslices, ingresses (ing), ingressclasses, deployments (deploy), replicasets (rs),
statefulsets (sts), daemonsets (ds); several as `pods,svc`, or `all`.
";

/// Runs `kubectl ARGS...`.
pub fn run(lab: &Lab, args: &[String]) -> CommandOutput {
    let args = match parse(args) {
        Ok(args) => args,
        Err(output) => return output,
    };
    let Some((verb, rest)) = args.positionals.split_first() else {
        return CommandOutput::ok(
            "kubectl controls the Kubernetes cluster manager.\n\n\
             The lab supports: kubectl get (see `kubectl get --help`).\n",
        );
    };
    match verb.as_str() {
        "get" => get(lab, &GetArgs { positionals: rest.to_vec(), ..args }),
        "describe" | "apply" | "create" | "delete" | "edit" | "exec" | "logs" | "run" | "expose"
        | "scale" | "patch" | "label" | "annotate" | "port-forward" | "top" | "explain" => {
            CommandOutput::fail(
                1,
                format!("packetlab: `kubectl {verb}` is not available in the lab; edit the manifests instead, or use `kubectl get`"),
            )
        }
        other => CommandOutput::fail(
            1,
            format!("error: unknown command \"{other}\" for \"kubectl\"\n\nRun 'kubectl --help' for usage."),
        ),
    }
}

fn flag_error(message: String) -> CommandOutput {
    CommandOutput::fail(1, format!("error: {message}\nSee 'kubectl get --help' for usage."))
}

/// Parses flags anywhere on the line, pflag style.
fn parse(args: &[String]) -> Result<GetArgs, CommandOutput> {
    let mut parsed = GetArgs {
        positionals: Vec::new(),
        namespace: None,
        all_namespaces: false,
        output: Output::Table,
        selector: None,
        show_labels: false,
        no_headers: false,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            parsed.positionals.extend(iter.by_ref().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            match name {
                "namespace" | "output" | "selector" => {
                    let value = match inline {
                        Some(value) => value,
                        None => iter
                            .next()
                            .cloned()
                            .ok_or_else(|| flag_error(format!("flag needs an argument: --{name}")))?,
                    };
                    set_value(&mut parsed, name, value)?;
                }
                "all-namespaces" | "show-labels" | "no-headers" => {
                    let on = match inline.as_deref() {
                        None | Some("true") => true,
                        Some("false") => false,
                        Some(other) => {
                            return Err(flag_error(format!(
                                "invalid argument \"{other}\" for \"--{name}\" flag: strconv.ParseBool: parsing \"{other}\": invalid syntax"
                            )));
                        }
                    };
                    match name {
                        "all-namespaces" => parsed.all_namespaces = on,
                        "show-labels" => parsed.show_labels = on,
                        _ => parsed.no_headers = on,
                    }
                }
                "help" => return Err(CommandOutput::ok(GET_HELP)),
                _ => return Err(flag_error(format!("unknown flag: --{name}"))),
            }
            continue;
        }
        if let Some(short) = arg.strip_prefix('-')
            && !short.is_empty()
        {
            // Short flags can be grouped (`-Ao` is not allowed after a value flag, as in pflag).
            for (index, flag) in short.char_indices() {
                let rest = short.get(index.saturating_add(flag.len_utf8())..).unwrap_or("");
                match flag {
                    'n' | 'o' | 'l' => {
                        let value = if rest.is_empty() {
                            iter.next().cloned().ok_or_else(|| {
                                flag_error(format!("flag needs an argument: '{flag}' in -{flag}"))
                            })?
                        } else {
                            rest.strip_prefix('=').unwrap_or(rest).to_string()
                        };
                        let name = match flag {
                            'n' => "namespace",
                            'o' => "output",
                            _ => "selector",
                        };
                        set_value(&mut parsed, name, value)?;
                        break;
                    }
                    'A' => parsed.all_namespaces = true,
                    'h' => return Err(CommandOutput::ok(GET_HELP)),
                    other => {
                        return Err(flag_error(format!("unknown shorthand flag: '{other}' in -{short}")));
                    }
                }
            }
            continue;
        }
        parsed.positionals.push(arg.clone());
    }
    Ok(parsed)
}

fn set_value(parsed: &mut GetArgs, name: &str, value: String) -> Result<(), CommandOutput> {
    match name {
        "namespace" => parsed.namespace = Some(value),
        "selector" => parsed.selector = Some(value),
        _ => {
            parsed.output = match value.as_str() {
                "wide" => Output::Wide,
                "yaml" => Output::Yaml,
                "json" => Output::Json,
                "name" => Output::Name,
                other => {
                    return Err(CommandOutput::fail(
                        1,
                        format!(
                            "error: unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,name,wide,yaml (in the lab)"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// One requirement of a label selector (`app=web`, `tier!=db`, `app`, `!app`).
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
}

/// Parses the equality-based selectors of `labels.Parse`; set-based ones are refused.
fn parse_selector(text: &str) -> Result<Vec<Requirement>, String> {
    let mut requirements = Vec::new();
    for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        if part.contains(" in ") || part.contains(" notin ") || part.contains('(') {
            return Err(format!("packetlab: set-based selectors such as `{part}` are not supported in the lab"));
        }
        let requirement = if let Some((key, value)) = part.split_once("!=") {
            Requirement::NotEquals(key.trim().to_string(), value.trim().to_string())
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::Equals(key.trim().to_string(), value.trim().to_string())
        } else if let Some(key) = part.strip_prefix('!') {
            Requirement::NotExists(key.trim().to_string())
        } else {
            Requirement::Exists(part.to_string())
        };
        requirements.push(requirement);
    }
    Ok(requirements)
}

fn selector_matches(requirements: &[Requirement], labels: &Labels) -> bool {
    requirements.iter().all(|requirement| match requirement {
        Requirement::Equals(key, value) => labels.get(key) == Some(value),
        Requirement::NotEquals(key, value) => labels.get(key) != Some(value),
        Requirement::Exists(key) => labels.contains_key(key),
        Requirement::NotExists(key) => !labels.contains_key(key),
    })
}

fn get(lab: &Lab, args: &GetArgs) -> CommandOutput {
    let Some((resource, names)) = args.positionals.split_first() else {
        return CommandOutput::fail(
            1,
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n\
             error: Required resource not specified.\n\
             Use \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\n\
             See 'kubectl get -h' for help and examples",
        );
    };
    // `kubectl get svc/web` names the object in the same word.
    let (resource, names) = match resource.split_once('/') {
        Some((resource, name)) if resource.is_empty() || name.is_empty() || name.contains('/') => {
            return CommandOutput::fail(1, "error: arguments in resource/name form must have a single resource and name");
        }
        Some((resource, name)) => {
            let mut all = vec![name.to_string()];
            all.extend(names.iter().cloned());
            (resource, all)
        }
        None => (resource.as_str(), names.to_vec()),
    };
    // `pods,svc` lists several types; `all` is the category of workloads and Services.
    let mut kinds: Vec<Kind> = Vec::new();
    for word in resource.split(',') {
        if word == "all" {
            kinds.extend(Kind::ALL);
            continue;
        }
        match Kind::parse(word) {
            Some(kind) => kinds.push(kind),
            None => {
                return CommandOutput::fail(1, format!("error: the server doesn't have a resource type \"{word}\""));
            }
        }
    }
    // Several types, or a category, print `kind/name` in the NAME column.
    let prefixed = kinds.len() > 1 || resource == "all";
    let requirements = match args.selector.as_deref().map(parse_selector).transpose() {
        Ok(requirements) => requirements.unwrap_or_default(),
        Err(message) => return CommandOutput::fail(1, message),
    };
    let namespace = args.namespace.clone().unwrap_or_else(|| "default".to_string());
    if args.all_namespaces && !names.is_empty() {
        return CommandOutput::fail(1, "error: a resource cannot be retrieved by name across all namespaces");
    }
    let all_namespaces = args.all_namespaces;
    let in_scope = |object: &Object<'_>| match object.namespace() {
        None => true,
        Some(object_namespace) => all_namespaces || object_namespace == namespace,
    };
    let cluster = lab.cluster();

    let mut out = CommandOutput::default();
    let mut groups: Vec<(Kind, Vec<Object<'_>>)> = Vec::new();
    for &kind in &kinds {
        // API servers from v1.33 on answer every read of v1 Endpoints with this warning.
        if kind == Kind::Endpoints && server_minor_version(cluster).is_some_and(|minor| minor >= 33) {
            out.stderr.push_str("Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n");
        }
        let everything: Vec<Object<'_>> = resource::list(cluster, kind).into_iter().filter(in_scope).collect();
        let mut objects: Vec<Object<'_>> = Vec::new();
        if names.is_empty() {
            objects = everything.into_iter().filter(|object| selector_matches(&requirements, &object.labels())).collect();
        } else {
            for name in &names {
                match everything.iter().find(|object| object.name() == name) {
                    Some(object) => objects.push(object.clone()),
                    None => {
                        out.exit_code = 1;
                        out.stderr.push_str(&format!(
                            "Error from server (NotFound): {} \"{name}\" not found\n",
                            kind.qualified_plural()
                        ));
                    }
                }
            }
        }
        groups.push((kind, objects));
    }
    let found = groups.iter().map(|(_, objects)| objects.len()).sum::<usize>();

    match args.output {
        Output::Yaml | Output::Json => {
            if found == 0 && out.exit_code != 0 {
                return out;
            }
            let values: Vec<Value> = groups
                .iter()
                .flat_map(|(_, objects)| objects.iter().map(|object| objects::to_value(lab, object)))
                .collect();
            let single = names.len() == 1 && kinds.len() == 1 && !prefixed;
            let value = match (single, values.as_slice()) {
                (true, [one]) => one.clone(),
                _ => Value::map()
                    .with("apiVersion", Value::str("v1"))
                    .with("items", Value::List(values))
                    .with("kind", Value::str("List"))
                    .with("metadata", Value::map().with("resourceVersion", Value::str(""))),
            };
            out.stdout = if args.output == Output::Yaml { value.to_yaml() } else { value.to_json() };
        }
        Output::Name => {
            for (kind, objects) in &groups {
                for object in objects {
                    out.stdout.push_str(&format!("{}/{}\n", kind.qualified_singular(), object.name()));
                }
            }
        }
        Output::Table | Output::Wide => {
            if found == 0 {
                if names.is_empty() {
                    let namespaced = kinds.iter().any(|kind| kind.namespaced());
                    out.stderr.push_str(&no_resources(namespaced, all_namespaces, &namespace));
                }
                return out;
            }
            let wide = args.output == Output::Wide;
            let mut tables: Vec<String> = Vec::new();
            for (kind, objects) in &groups {
                if objects.is_empty() {
                    continue;
                }
                tables.push(table(lab, *kind, objects, args, wide, prefixed));
            }
            // kubectl separates the tables of different types with a blank line.
            out.stdout = tables.join("\n");
        }
    }
    out
}

/// One type's table, as kubectl's printer writes it.
fn table(lab: &Lab, kind: Kind, objects: &[Object<'_>], args: &GetArgs, wide: bool, prefixed: bool) -> String {
    let show_namespace = args.all_namespaces && kind.namespaced();
    let mut table = Table::new();
    if !args.no_headers {
        let mut header: Vec<String> = Vec::new();
        if show_namespace {
            header.push("NAMESPACE".to_string());
        }
        header.extend(printers::headers(kind, wide).into_iter().map(str::to_string));
        if args.show_labels {
            header.push("LABELS".to_string());
        }
        table.push(header);
    }
    for object in objects {
        let mut row = Vec::new();
        if show_namespace {
            row.push(object.namespace().unwrap_or_default().to_string());
        }
        let mut cells = printers::cells(object, lab.clock(), wide, &lab.cluster().pods);
        if prefixed && let Some(name) = cells.first_mut() {
            *name = format!("{}/{name}", kind.qualified_singular());
        }
        row.extend(cells);
        if args.show_labels {
            row.push(printers::format_labels(Some(&object.labels())));
        }
        table.push(row);
    }
    table.render()
}

/// The cluster's Kubernetes minor version, read from the kubelets (`v1.31.0` -> 31).
fn server_minor_version(cluster: &crate::cluster::Cluster) -> Option<u32> {
    let version = &cluster.nodes.first()?.kubelet_version;
    version.trim_start_matches('v').split('.').nth(1)?.parse().ok()
}

/// kubectl's message for an empty list (printed on stderr).
fn no_resources(namespaced: bool, all_namespaces: bool, namespace: &str) -> String {
    if namespaced && !all_namespaces {
        format!("No resources found in {namespace} namespace.\n")
    } else {
        "No resources found\n".to_string()
    }
}

#[cfg(test)]
mod tests;
