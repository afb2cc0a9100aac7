//! Enums stored as their text. Each column holds exactly the text that the
//! contract and the audit trail show, so the columns did not change when
//! they became enums; a stored value the code does not know fails to read
//! instead of turning into a default.

use sea_orm::entity::prelude::*;

/// An evidence record's review state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvidenceStatus {
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "VERIFIED")]
    Verified,
    #[sea_orm(string_value = "REJECTED")]
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

impl std::fmt::Display for EvidenceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The council-owned record types: what deletions, the changes feed and
/// node ids name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordEntity {
    #[sea_orm(string_value = "CONTRACT")]
    Contract,
    #[sea_orm(string_value = "COMMITMENT")]
    Commitment,
    #[sea_orm(string_value = "EVIDENCE")]
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
}

/// What a changes-feed row says happened to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FeedOperation {
    #[sea_orm(string_value = "UPSERT")]
    Upsert,
    #[sea_orm(string_value = "DELETE")]
    Delete,
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

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
