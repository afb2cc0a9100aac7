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
