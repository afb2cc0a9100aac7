//! `viewer`: who is calling.

use async_graphql::{Context, Object, SimpleObject};

use super::context::principal;

/// Who is calling.
#[derive(SimpleObject)]
pub struct Viewer {
    subject: String,
    role: String,
    /// Council codes of a council role; empty for the regional roles.
    councils: Vec<String>,
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        let principal = principal(ctx);
        Viewer { subject: principal.subject.clone(), role: principal.role.as_str().to_owned(), councils: principal.councils.clone() }
    }
}
