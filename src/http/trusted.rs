//! Trusted documents (`SVH_TRUSTED_DOCUMENTS`): an Apollo persisted-query
//! manifest whose operations name the roles they are for. A role named in
//! any of them runs only its documents, sent by hash as Apollo Client's
//! persisted-queries link sends them (`extensions.persistedQuery`, with or
//! without the text); every other role sends documents as before, and may
//! also send them by hash in the same shape (automatic persisted queries:
//! a hash the manifest does not hold is answered `PersistedQueryNotFound`,
//! and the link sends it again with the text).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, bail, ensure};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::Role;
use crate::error::{AppError, bad_input, forbidden};

/// The manifest, checked: every id is the SHA-256 of its body and every role is one of this contract's.
#[derive(Clone, Default)]
pub struct TrustedDocuments {
    by_hash: HashMap<String, Trusted>,
    /// The roles that run only trusted documents.
    restricted: HashSet<Role>,
}

#[derive(Clone)]
struct Trusted {
    body: String,
    roles: Vec<Role>,
}

#[derive(Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    operations: Vec<Operation>,
}

#[derive(Deserialize)]
struct Operation {
    id: String,
    name: String,
    body: String,
    #[serde(default)]
    roles: Vec<String>,
}

/// The message Apollo's link answers by sending the document again with its text.
const NOT_FOUND: &str = "PersistedQueryNotFound";

impl TrustedDocuments {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading SVH_TRUSTED_DOCUMENTS {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("SVH_TRUSTED_DOCUMENTS {}", path.display()))
    }

    fn parse(text: &str) -> anyhow::Result<Self> {
        let manifest: Manifest = serde_json::from_str(text).context("not an Apollo persisted-query manifest")?;
        ensure!(
            manifest.format == "apollo-persisted-query-manifest" && manifest.version == 1,
            "expected format \"apollo-persisted-query-manifest\", version 1; got {:?}, version {}",
            manifest.format,
            manifest.version
        );
        let mut out = Self::default();
        for op in manifest.operations {
            ensure!(op.id == sha256(&op.body), "operation {:?}: its id is not the SHA-256 of its body", op.name);
            let mut roles = Vec::new();
            for r in &op.roles {
                match Role::parse(r) {
                    Some(role) => roles.push(role),
                    None => bail!("operation {:?}: {r:?} is not a role (the roles are {})", op.name, role_names()),
                }
            }
            out.restricted.extend(roles.iter().copied());
            out.by_hash.insert(op.id, Trusted { body: op.body, roles });
        }
        Ok(out)
    }

    /// The document `request` is to run for `role`: its own text, or the
    /// manifest's body of the hash it names. Refuses what `role` may not send.
    pub fn resolve(&self, role: Role, request: &mut async_graphql::Request) -> Result<(), AppError> {
        let hash = persisted_hash(request)?;
        let text = (!request.query.trim().is_empty()).then(|| request.query.clone());
        if let (Some(hash), Some(text)) = (&hash, &text)
            && sha256(text) != *hash
        {
            return Err(bad_input("the query's SHA-256 is not its extensions.persistedQuery.sha256Hash"));
        }
        let trusted = hash.as_ref().and_then(|h| self.by_hash.get(h));
        if self.restricted.contains(&role) {
            return match trusted {
                Some(t) if t.roles.contains(&role) => {
                    request.query = t.body.clone();
                    Ok(())
                }
                _ => Err(forbidden(format!(
                    "the {} role runs only its trusted documents, sent by hash (SVH_TRUSTED_DOCUMENTS); this is not one of them",
                    role.as_str()
                ))),
            };
        }
        match (trusted, text) {
            (_, Some(_)) => Ok(()),
            (Some(t), None) => {
                request.query = t.body.clone();
                Ok(())
            }
            (None, None) if hash.is_some() => Err(bad_input(NOT_FOUND)),
            // No document at all: the usual error follows.
            (None, None) => Ok(()),
        }
    }
}

/// `extensions.persistedQuery.sha256Hash` (version 1), if the request names one.
fn persisted_hash(request: &async_graphql::Request) -> Result<Option<String>, AppError> {
    let Some(pq) = request.extensions.get("persistedQuery") else { return Ok(None) };
    let pq = pq.clone().into_json().map_err(|_| bad_input("extensions.persistedQuery is not JSON"))?;
    if pq.get("version").and_then(|v| v.as_i64()) != Some(1) {
        return Err(bad_input("extensions.persistedQuery: only version 1 is supported"));
    }
    match pq.get("sha256Hash").and_then(|h| h.as_str()) {
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(Some(h.to_ascii_lowercase())),
        _ => Err(bad_input("extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits")),
    }
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn role_names() -> String {
    Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(ops: &[(&str, &[&str])]) -> String {
        let ops: Vec<_> =
            ops.iter().map(|(body, roles)| serde_json::json!({"id": sha256(body), "name": "Op", "type": "query", "body": body, "roles": roles})).collect();
        serde_json::json!({"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops}).to_string()
    }

    fn by_hash(body: &str, text: Option<&str>) -> async_graphql::Request {
        let mut r = async_graphql::Request::new(text.unwrap_or(""));
        let pq = serde_json::json!({"version": 1, "sha256Hash": sha256(body)});
        r.extensions.insert("persistedQuery".into(), async_graphql::Value::from_json(pq).unwrap());
        r
    }

    #[test]
    fn a_named_role_runs_only_its_documents_and_others_send_theirs() {
        let docs = TrustedDocuments::parse(&manifest(&[("{ a }", &["dashboard"]), ("{ b }", &["auditor"])])).unwrap();
        let mut r = by_hash("{ a }", None);
        docs.resolve(Role::Dashboard, &mut r).unwrap();
        assert_eq!(r.query, "{ a }");
        // With its text too, as the link's retry sends it.
        docs.resolve(Role::Dashboard, &mut by_hash("{ a }", Some("{ a }"))).unwrap();
        for mut refused in [by_hash("{ b }", None), by_hash("{ c }", None), async_graphql::Request::new("{ a }")] {
            assert_eq!(docs.resolve(Role::Dashboard, &mut refused).unwrap_err().code(), "FORBIDDEN");
        }
        // A text that is not the hash's document.
        assert_eq!(docs.resolve(Role::Dashboard, &mut by_hash("{ a }", Some("{ b }"))).unwrap_err().code(), "BAD_USER_INPUT");
        // A role named nowhere: its own text, a manifest document by hash, or not found (the link retries with the text).
        docs.resolve(Role::CouncilSync, &mut async_graphql::Request::new("{ c }")).unwrap();
        docs.resolve(Role::CouncilSync, &mut by_hash("{ b }", None)).unwrap();
        let e = docs.resolve(Role::CouncilSync, &mut by_hash("{ c }", None)).unwrap_err();
        assert_eq!(e.to_string(), NOT_FOUND);
        docs.resolve(Role::CouncilSync, &mut by_hash("{ c }", Some("{ c }"))).unwrap();
    }

    #[test]
    fn a_manifest_is_checked_when_loaded() {
        assert!(TrustedDocuments::parse(&manifest(&[("{ a }", &["dashboard"])])).is_ok());
        let wrong_id = manifest(&[("{ a }", &["dashboard"])]).replace(&sha256("{ a }"), &sha256("{ b }"));
        let unknown_role = manifest(&[("{ a }", &["mayor"])]);
        let other_format = manifest(&[]).replace("apollo-persisted-query-manifest", "relay");
        for (text, says) in
            [(wrong_id, "not the SHA-256"), (unknown_role, "\"mayor\" is not a role"), (other_format, "expected format"), ("[]".into(), "not an Apollo")]
        {
            let e = format!("{:#}", TrustedDocuments::parse(&text).err().unwrap());
            assert!(e.contains(says), "{e}");
        }
    }
}
