//! Opaque global ids (`node(id:)`) and page cursors.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppResult, bad_input};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Contract,
    Commitment,
    Evidence,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Contract => "Contract",
            Kind::Commitment => "Commitment",
            Kind::Evidence => "Evidence",
        }
    }
}

pub fn node_id(kind: Kind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Decodes any node id into its kind and row id.
pub fn parse_node_id(id: &str) -> AppResult<(Kind, i32)> {
    let bad = || bad_input(format!("{id:?} is not a valid id"));
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).map_err(|_| bad())?).map_err(|_| bad())?;
    let (kind, n) = text.split_once(':').ok_or_else(bad)?;
    let kind = [Kind::Contract, Kind::Commitment, Kind::Evidence].into_iter().find(|k| k.name() == kind).ok_or_else(bad)?;
    Ok((kind, n.parse().map_err(|_| bad())?))
}

/// Decodes ids that must all be of one kind (a filter's `contractIds`).
pub fn parse_ids_of(kind: Kind, ids: &[ID]) -> AppResult<Vec<i32>> {
    ids.iter()
        .map(|id| match parse_node_id(id)? {
            (k, n) if k == kind => Ok(n),
            _ => Err(bad_input(format!("{:?} is not the id of a {}", id.as_str(), kind.name()))),
        })
        .collect()
}

pub fn cursor(id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

pub fn parse_cursor(cursor: &str) -> AppResult<i32> {
    let bad = || bad_input(format!("{cursor:?} is not a valid cursor"));
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    text.strip_prefix("cursor:").and_then(|n| n.parse().ok()).ok_or_else(bad)
}
