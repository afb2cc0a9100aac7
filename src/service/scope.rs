//! The one `council_id IN (...)` builder: how a [`ReadScope`] becomes a
//! condition of every record query. Every service read takes the request's
//! `&ReadScope`; an empty scope yields no rows.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};

pub use crate::auth::ReadScope;

impl ReadScope {
    /// The SQL condition `council_id IN (ids of the councils in scope)`,
    /// for any table with a council id column.
    pub fn condition(&self, council_id: impl ColumnTrait) -> Condition {
        match self {
            ReadScope::All => Condition::all(),
            ReadScope::Councils(codes) if codes.is_empty() => Condition::all().add(Expr::val(1).eq(0)),
            ReadScope::Councils(codes) => Condition::all().add(
                council_id.in_subquery(
                    Query::select()
                        .column(entity::council::Column::Id)
                        .from(entity::council::Entity)
                        .and_where(entity::council::Column::Code.is_in(codes.iter().cloned()))
                        .to_owned(),
                ),
            ),
        }
    }
}
