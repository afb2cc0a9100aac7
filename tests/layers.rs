//! The shape of the code, checked: the rules of ARCHITECTURE that the
//! compiler cannot see. Each reads the sources under src/ as text.
//!
//! - the module import graph (`use crate::…`, `use super::…`, `self::…`
//!   and child modules named from their parent) has no cycle;
//! - src/graphql, src/auth and src/cli touch no database API;
//! - the read scope is computed in one place;
//! - no source file is longer than about 500 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest file allowed, in lines.
const MAX_LINES: usize = 520;

/// Every .rs file under src/, by module path (`service::sync::validate`).
fn modules() -> BTreeMap<String, (PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).expect("under src").with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            (parts.join("::"), (path, text))
        })
        .collect()
}

/// The source without comments and without its `#[cfg(test)]` module
/// (tests may use whatever they test with).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The paths a module names: `crate::a::b`, `super::c`, `self::d`, with
/// grouped imports (`crate::a::{b, c::d}`) expanded one level.
fn named_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let starts = ["crate::", "super::", "self::"];
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let boundary = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_' || bytes[i - 1] == ':');
        if boundary && starts.iter().any(|s| rest.starts_with(s)) {
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_alphanumeric() || bytes[j] == '_' || bytes[j] == ':') {
                j += 1;
            }
            let path: String = bytes[i..j].iter().collect();
            let path = path.trim_end_matches(':').to_owned();
            if j < bytes.len() && bytes[j] == '{' {
                let close = bytes[j..].iter().position(|c| *c == '}').map_or(bytes.len(), |p| j + p);
                let inner: String = bytes[j + 1..close].iter().collect();
                for item in inner.split(',') {
                    let item = item.trim().split(" as ").next().unwrap_or("").trim();
                    if !item.is_empty() && item != "self" {
                        out.push(format!("{path}::{item}"));
                    }
                }
            }
            out.push(path);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The module a path names from within `module`, if it is one of ours.
fn resolve(module: &str, path: &str, known: &BTreeMap<String, (PathBuf, String)>) -> Option<String> {
    let mut segs: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = if module.is_empty() { Vec::new() } else { module.split("::").collect() };
    match segs[0] {
        "crate" => base.clear(),
        "self" => {}
        "super" => {
            while segs.first() == Some(&"super") {
                base.pop();
                segs.remove(0);
            }
            segs.insert(0, "self");
        }
        _ => return None,
    }
    let segs = &segs[1..];
    (0..=segs.len()).rev().map(|n| base.iter().chain(&segs[..n]).copied().collect::<Vec<_>>().join("::")).find(|c| known.contains_key(c))
}

/// Which modules each module imports from (never itself or an ancestor of it,
/// which a child reaches through `super`).
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let known = modules();
    let mut graph = BTreeMap::new();
    for (module, (_, text)) in &known {
        let code = code(text);
        let mut edges = BTreeSet::new();
        for path in named_paths(&code) {
            if let Some(target) = resolve(module, &path, &known) {
                let ancestor = module.starts_with(&format!("{target}::")) || target.is_empty();
                if target != *module && !ancestor {
                    edges.insert(target);
                }
            }
        }
        graph.insert(module.clone(), edges);
    }
    graph
}

#[test]
fn the_module_import_graph_has_no_cycle() {
    let graph = import_graph();
    // Depth-first search with colours: a grey module reached again closes a cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(1) => {
                let from = stack.iter().position(|s| *s == m).unwrap_or(0);
                return Some(stack[from..].iter().map(|s| (*s).to_owned()).chain([m.to_owned()]).collect());
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(m, 1);
        stack.push(m);
        for next in graph.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, state, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut state, &mut Vec::new()) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn graphql_auth_and_cli_touch_no_database_api() {
    let mut offences = Vec::new();
    for (module, (path, text)) in modules() {
        if !["graphql", "auth", "cli"].iter().any(|area| module == *area || module.starts_with(&format!("{area}::"))) {
            continue;
        }
        for (n, line) in code(text.as_str()).lines().enumerate() {
            if ["sea_orm", "sea_query", "::find(", "::find_by_id(", "Entity::"].iter().any(|api| line.contains(api)) {
                offences.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(offences.is_empty(), "database API outside src/service:\n{}", offences.join("\n"));
}

#[test]
fn the_read_scope_is_computed_in_one_place() {
    let calls: Vec<String> = modules()
        .into_iter()
        .flat_map(|(module, (_, text))| {
            let code = code(&text);
            let n = code.matches("read_scope()").count();
            std::iter::repeat_n(module, n)
        })
        .collect();
    assert_eq!(calls.len(), 1, "read_scope() is called in {calls:?}");
}

#[test]
fn no_source_file_is_longer_than_about_500_lines() {
    let long: Vec<String> = modules()
        .into_values()
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(path, text)| format!("{} ({} lines)", path.display(), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}
