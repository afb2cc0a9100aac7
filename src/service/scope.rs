//! The one `council_id IN (...)` builder: how a [`ReadScope`] becomes a
//! condition of every record query. Every service read takes the request's
//! `&ReadScope`; an empty scope yields no rows.

use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

pub use crate::auth::ReadScope;

impl ReadScope {
    /// The SQL condition `council_id IN (ids of the councils in scope)`,
    /// for any table with a council id column.
    pub fn condition(&self, council_id: impl ColumnTrait) -> Condition {
        self.condition_on(council_id.as_column_ref())
    }

    /// As `condition`, on any column: one of a table that has no entity
    /// (the cells' `commitment_standing`), or of an alias.
    pub fn condition_on(&self, council_id: impl IntoColumnRef) -> Condition {
        match self {
            ReadScope::All => Condition::all(),
            ReadScope::Councils(codes) if codes.is_empty() => Condition::all().add(Expr::val(1).eq(0)),
            ReadScope::Councils(codes) => Condition::all().add(council_id_of(council_id, codes)),
        }
    }
}

/// `council_id` is the id of one of the councils `codes`. With one code it
/// is `= (SELECT id …)`: both planners take that for a single value known
/// when the statement runs, so an index on (council_id, …, id) walks that
/// council's rows in id order and a page stops after its `first` rows
/// (with `IN`, PostgreSQL's cached generic plan reads them all and sorts).
pub fn council_id_of(council_id: impl IntoColumnRef, codes: &[String]) -> SimpleExpr {
    let ids = Query::select().column(entity::council::Column::Id).from(entity::council::Entity).to_owned();
    match codes {
        [code] => Expr::col(council_id).eq(ids.clone().and_where(entity::council::Column::Code.eq(code.clone())).to_owned()),
        _ => Expr::col(council_id).in_subquery(ids.clone().and_where(entity::council::Column::Code.is_in(codes.iter().cloned())).to_owned()),
    }
}
