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

#[cfg(test)]
mod stored_enums {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;
    use entity::FeedOperation;

    /// The stored text is the text the rest of the service shows, so rows
    /// written before these were enums read back unchanged.
    #[test]
    fn each_value_is_stored_as_its_own_text() {
        for s in EvidenceStatus::iter() {
            assert_eq!(s.to_value(), s.as_str());
            assert_eq!(EvidenceStatus::try_from_value(&s.as_str().to_owned()).unwrap(), s);
        }
        for r in RecordEntity::iter() {
            assert_eq!(r.to_value(), r.as_str());
        }
        assert_eq!(FeedOperation::Upsert.to_value(), "UPSERT");
        assert_eq!(FeedOperation::Delete.to_value(), "DELETE");
    }

    /// A value the code does not know is an error, never a default.
    #[test]
    fn unknown_stored_text_fails_to_read() {
        assert!(EvidenceStatus::try_from_value(&"verified ".to_owned()).is_err());
        assert!(RecordEntity::try_from_value(&"SUPPLIER".to_owned()).is_err());
        assert!(FeedOperation::try_from_value(&"UPDATE".to_owned()).is_err());
    }
}
