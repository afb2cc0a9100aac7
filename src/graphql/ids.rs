//! Opaque global ids (`node(id:)`) and page cursors.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::NodeId;
pub use crate::domain::RecordEntity as Kind;
use crate::error::{AppResult, bad_input};

pub fn node_id(kind: Kind, id: i32) -> ID {
    ID(kind.node_id(id))
}

/// Decodes any node id into its kind and row id.
pub fn parse_node_id(id: &str) -> AppResult<(Kind, i32)> {
    Kind::parse_node_id(id).ok_or_else(|| bad_input(format!("{id:?} is not a valid id")))
}

/// Decodes ids that must all be of one kind (a filter's `contractIds`).
pub fn parse_ids_of(kind: Kind, ids: &[ID]) -> AppResult<Vec<i32>> {
    ids.iter()
        .map(|id| match parse_node_id(id)? {
            (k, n) if k == kind => Ok(n),
            _ => Err(bad_input(format!("{:?} is not the id of a {}", id.as_str(), kind.type_name()))),
        })
        .collect()
}

pub fn cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

pub fn parse_cursor(cursor: &str) -> AppResult<i64> {
    let bad = || bad_input(format!("{cursor:?} is not a valid cursor"));
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    text.strip_prefix("cursor:").and_then(|n| n.parse().ok()).ok_or_else(bad)
}
