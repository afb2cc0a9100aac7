//! Small value types of records, parsed once at the edge. The stored
//! enums are defined with the entities (their text is their column's).

pub use entity::{EvidenceStatus, RecordEntity};

/// A SHA-256 digest as 64 lowercase hex characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sha256(String);

impl Sha256 {
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Self(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The node ids of council records (`node(id:)`, audit `recordId`): opaque,
/// the GraphQL type name and the row id.
pub trait NodeId: Sized {
    /// `Contract`, the GraphQL type name.
    fn type_name(self) -> &'static str;
    fn node_id(self, id: i32) -> String;
    fn parse_node_id(text: &str) -> Option<(Self, i32)>;
}

impl NodeId for RecordEntity {
    fn type_name(self) -> &'static str {
        match self {
            Self::Contract => "Contract",
            Self::Commitment => "Commitment",
            Self::Evidence => "Evidence",
        }
    }

    fn node_id(self, id: i32) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{id}", self.type_name()))
    }

    fn parse_node_id(text: &str) -> Option<(Self, i32)> {
        use base64::Engine;
        let raw = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let (kind, n) = raw.split_once(':')?;
        let kind = Self::ALL.into_iter().find(|k| k.type_name() == kind)?;
        Some((kind, n.parse().ok()?))
    }
}
