use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub council_id: i32,
    pub external_id: String,
    pub commitment_id: i32,
    pub period_start: Date,
    pub period_end: Date,
    /// Derived from `period_start` on write, stored so that rollups group on a column.
    pub financial_year: i32,
    pub quarter: i32,
    /// Hundredths of a unit.
    pub quantity_centi: i64,
    pub status: super::EvidenceStatus,
    /// Hundredths of a unit an officer validated: set exactly when verified.
    pub validated_centi: Option<i64>,
    pub evidence_url: Option<String>,
    pub evidence_sha256: Option<String>,
    pub submitted_by: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub review_comment: Option<String>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
    pub deleted: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::commitment::Entity", from = "Column::CommitmentId", to = "super::commitment::Column::Id")]
    Commitment,
}

impl ActiveModelBehavior for ActiveModel {}
