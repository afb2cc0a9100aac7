//! Small value types of records, parsed once at the edge.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvidenceStatus {
    Submitted,
    Verified,
    Rejected,
}

impl EvidenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "SUBMITTED",
            Self::Verified => "VERIFIED",
            Self::Rejected => "REJECTED",
        }
    }

    /// Accepts the stored form (`VERIFIED`) and the dataset form (`verified`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "SUBMITTED" => Some(Self::Submitted),
            "VERIFIED" => Some(Self::Verified),
            "REJECTED" => Some(Self::Rejected),
            _ => None,
        }
    }
}

impl fmt::Display for EvidenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// The council-owned record types: what deletions, the changes feed and
/// node ids name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordEntity {
    Contract,
    Commitment,
    Evidence,
}

impl RecordEntity {
    pub const ALL: [RecordEntity; 3] = [RecordEntity::Contract, RecordEntity::Commitment, RecordEntity::Evidence];

    /// `CONTRACT`, as in the changes feed and the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contract => "CONTRACT",
            Self::Commitment => "COMMITMENT",
            Self::Evidence => "EVIDENCE",
        }
    }

    /// `Contract`, the GraphQL type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Contract => "Contract",
            Self::Commitment => "Commitment",
            Self::Evidence => "Evidence",
        }
    }

    /// The opaque global id of a record (`node(id:)`, audit `recordId`).
    pub fn node_id(self, id: i32) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{id}", self.type_name()))
    }

    pub fn parse_node_id(text: &str) -> Option<(Self, i32)> {
        use base64::Engine;
        let raw = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let (kind, n) = raw.split_once(':')?;
        let kind = Self::ALL.into_iter().find(|k| k.type_name() == kind)?;
        Some((kind, n.parse().ok()?))
    }
}
