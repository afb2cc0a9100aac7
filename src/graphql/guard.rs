//! Checks on a request's document before async-graphql validates it: its
//! size in tokens (counted before parsing, so a hostile document costs
//! little), its depth, introspection, and NUL characters in its values.
//!
//! Depth is checked here rather than by async-graphql's `limit_depth`
//! because introspection needs its own bound: the standard introspection
//! query (what GraphiQL sends) is 13 levels deep, deeper than the default
//! limit for data queries, while introspection's cycles (`fields { type {
//! fields … } }`) make an unbounded introspection query a denial of service.

use std::collections::HashMap;

use async_graphql::Value as GqlValue;
use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Name, Positioned};

use crate::config::Limits;

/// Deepest introspection query accepted: graphql-js's standard one is 13 levels.
pub const MAX_INTROSPECTION_DEPTH: usize = 15;

/// Refuses a document of more than `max` lexical tokens, without parsing it.
pub fn check_tokens(source: &str, max: usize) -> Result<(), String> {
    let n = count_tokens(source, max);
    if n > max {
        return Err(format!("the document has more than {max} tokens (SVH_MAX_QUERY_TOKENS)"));
    }
    Ok(())
}

/// Lexical tokens of a GraphQL document (names, numbers, strings,
/// punctuators), counting stops once past `stop`. Ignored tokens
/// (white space, commas, comments) are skipped.
fn count_tokens(source: &str, stop: usize) -> usize {
    let b = source.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() && n <= stop {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
                n += 1;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                n += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'+' | b'-')) {
                    i += 1;
                }
                n += 1;
            }
            _ if b[i..].starts_with(b"...") => {
                i += 3;
                n += 1;
            }
            _ => {
                i += 1;
                n += 1;
            }
        }
    }
    n
}

/// The checks on a parsed document: depth (data and introspection apart),
/// introspection when it is switched off, and NUL characters in values.
pub fn check_document(doc: &ExecutableDocument, variables: &Variables, limits: &Limits) -> Result<(), String> {
    let mut walk = Walk { doc, memo: HashMap::new(), expanding: Vec::new() };
    let mut nul_allowed = false;
    for (_, op) in doc.operations.iter() {
        let depth = walk.selection_set(&op.node.selection_set, false);
        if depth.intro > 0 && !limits.introspection {
            return Err("introspection is switched off on this server (SVH_INTROSPECTION=false)".into());
        }
        if depth.data > limits.max_query_depth {
            return Err(format!("the query is nested too deep: {} levels, at most {} (SVH_MAX_QUERY_DEPTH)", depth.data, limits.max_query_depth));
        }
        if depth.intro > MAX_INTROSPECTION_DEPTH {
            return Err(format!("the introspection query is nested too deep: {} levels, at most {MAX_INTROSPECTION_DEPTH}", depth.intro));
        }
        // A sync batch reports a NUL against the record that holds it.
        nul_allowed |= op.node.ty == OperationType::Mutation && root_fields(&op.node.selection_set).any(|f| f == "syncCouncilData");
    }
    if !nul_allowed && (variables.values().any(has_nul) || document_has_nul(doc)) {
        return Err("a value holds a NUL character (U+0000), which this service does not accept".into());
    }
    Ok(())
}

fn root_fields(set: &Positioned<SelectionSet>) -> impl Iterator<Item = &str> {
    set.node.items.iter().filter_map(|s| match &s.node {
        Selection::Field(f) => Some(f.node.name.node.as_str()),
        _ => None,
    })
}

/// The longest paths below a selection set, in fields: through data fields
/// only, and through an introspection field (`__schema`, `__type`, and
/// federation's `_service`, whose SDL is the schema too).
#[derive(Clone, Copy, Default)]
struct Depth {
    data: usize,
    intro: usize,
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    /// Depth below each fragment, by whether it is reached inside introspection.
    memo: HashMap<(&'a Name, bool), Depth>,
    /// Fragments being expanded: a cycle is left to validation to report.
    expanding: Vec<&'a Name>,
}

impl<'a> Walk<'a> {
    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>, intro: bool) -> Depth {
        let mut out = Depth::default();
        for item in &set.node.items {
            let d = match &item.node {
                Selection::Field(f) => {
                    let inside = intro || matches!(f.node.name.node.as_str(), "__schema" | "__type" | "_service");
                    let below = self.selection_set(&f.node.selection_set, inside);
                    if inside {
                        Depth { data: 0, intro: 1 + below.intro }
                    } else {
                        Depth { data: 1 + below.data, intro: if below.intro > 0 { 1 + below.intro } else { 0 } }
                    }
                }
                Selection::InlineFragment(f) => self.selection_set(&f.node.selection_set, intro),
                Selection::FragmentSpread(s) => self.fragment(&s.node.fragment_name.node, intro),
            };
            out = Depth { data: out.data.max(d.data), intro: out.intro.max(d.intro) };
        }
        out
    }

    fn fragment(&mut self, name: &'a Name, intro: bool) -> Depth {
        if let Some(d) = self.memo.get(&(name, intro)) {
            return *d;
        }
        let Some(fragment) = self.doc.fragments.get(name) else { return Depth::default() };
        if self.expanding.contains(&name) {
            return Depth::default();
        }
        self.expanding.push(name);
        let d = self.selection_set(&fragment.node.selection_set, intro);
        self.expanding.pop();
        self.memo.insert((name, intro), d);
        d
    }
}

fn has_nul(v: &GqlValue) -> bool {
    match v {
        GqlValue::String(s) => s.contains('\0'),
        GqlValue::List(items) => items.iter().any(has_nul),
        GqlValue::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Whether any literal in the document (arguments, directives, variable defaults) holds a NUL.
fn document_has_nul(doc: &ExecutableDocument) -> bool {
    fn set_has_nul(set: &SelectionSet) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(f) => {
                f.node.arguments.iter().any(|(_, v)| v.node.clone().into_const().is_some_and(|c| has_nul(&c)))
                    || f.node.directives.iter().any(|d| d.node.arguments.iter().any(|(_, v)| v.node.clone().into_const().is_some_and(|c| has_nul(&c))))
                    || set_has_nul(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => set_has_nul(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    doc.operations.iter().any(|(_, op)| {
        set_has_nul(&op.node.selection_set.node) || op.node.variable_definitions.iter().any(|d| d.node.default_value.as_ref().is_some_and(|v| has_nul(&v.node)))
    }) || doc.fragments.values().any(|f| set_has_nul(&f.node.selection_set.node))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn check(query: &str) -> Result<(), String> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        check_document(&doc, &Variables::default(), &limits())
    }

    #[test]
    fn tokens_are_counted_without_parsing() {
        assert_eq!(count_tokens("{ a(b: \"x, y\") @c }", 100), 10);
        assert_eq!(count_tokens("# comment\n{ a }", 100), 3);
        assert_eq!(count_tokens("{ a(s: \"\"\"x \\\"\"\" y\"\"\") ...F }", 100), 10);
        assert_eq!(count_tokens("{ a(n: -1.5e3) }", 100), 8);
        assert!(check_tokens(&"@a ".repeat(100_000), 20_000).is_err());
        assert!(check_tokens("{ viewer { subject } }", 20_000).is_ok());
    }

    #[test]
    fn data_and_introspection_depths_are_bounded_apart() {
        let deep = |n: usize, root: &str| format!("{{ {root} {}{} }}", "{ a ".repeat(n - 1), "}".repeat(n - 1));
        assert!(check(&deep(12, "contracts")).is_ok());
        assert!(check(&deep(13, "contracts")).unwrap_err().contains("13 levels"));
        assert!(check(&deep(15, "__schema")).is_ok());
        assert!(check(&deep(30, "__schema")).unwrap_err().contains("introspection"));
        // Through fragments, and a fragment reached twice is measured once.
        let q = "query { a { ...F ...F } } fragment F on T { b { c { d } } }";
        assert!(check(q).is_ok());
    }

    #[test]
    fn nul_characters_are_refused_outside_a_sync_batch() {
        assert!(check("{ contracts(filter: {councilCodes: [\"LIV\\u0000\"]}) { totalCount } }").is_err());
        assert!(check("mutation { syncCouncilData(input: {councilCode: \"LIV\", contracts: [{title: \"a\\u0000\"}]}) { applied } }").is_ok());
    }
}
