//! The GraphQL schema: one module per area, thin resolvers that turn
//! arguments into service calls and models into objects.

pub mod audit;
pub mod changes;
pub mod edit;
pub mod error;
pub mod framework;
pub mod guard;
pub mod ids;
pub mod inline;
pub mod input;
pub mod loaders;
pub mod prefetch;
pub mod records;
pub mod reference;
pub mod rollup;
pub mod scalars;
pub mod sync;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, EmptySubscription, MergedObject, Schema, SimpleObject};
use sea_orm::DatabaseConnection;

use crate::auth::{Principal, ReadScope};
pub use crate::config::Limits;
use error::GqlResult;
use loaders::Loaders;
use reference::ReferenceCache;

#[derive(MergedObject, Default)]
pub struct Query(ViewerQuery, framework::FrameworkQuery, records::RecordsQuery, changes::ChangesQuery, audit::AuditQuery, rollup::RollupQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(framework::FrameworkMutation, sync::SyncMutation, edit::EditMutation);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema without request data; `db` is shared, everything about the
/// caller is added per request by [`request_data`].
pub fn build_schema(db: Option<DatabaseConnection>, limits: &Limits) -> AppSchema {
    // Complexity counts one per selected field (aliases and fragment
    // repetitions included), which is what `max_query_fields` bounds.
    // Depth is bounded by `guard`, which gives introspection a bound of its own.
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription).limit_complexity(limits.max_query_fields).data(limits.clone());
    if !limits.introspection {
        // `guard` refuses introspection with an explicit error first; no
        // "Did you mean …?" may name fields either.
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(db) = db {
        builder = builder.data(db);
    }
    builder.finish()
}

/// The names of the Query and Mutation fields, from the schema's SDL.
pub fn root_fields(schema: &AppSchema) -> Vec<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let Ok(doc) = async_graphql::parser::parse_schema(schema.sdl()) else { return Vec::new() };
    doc.definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) if ["Query", "Mutation"].contains(&t.node.name.node.as_str()) => match &t.node.kind {
                TypeKind::Object(o) => Some(o.fields.iter().map(|f| f.node.name.node.to_string()).collect::<Vec<_>>()),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn limits<'a>(ctx: &Context<'a>) -> &'a Limits {
    ctx.data_unchecked::<Limits>()
}

/// What a request carries: the caller, the caller's read scope (worked
/// out here, once per request), and loaders with that scope.
pub fn request_data(request: async_graphql::Request, db: &DatabaseConnection, principal: Principal) -> async_graphql::Request {
    let scope = principal.read_scope();
    let loaders = Loaders { db: db.clone(), scope: scope.clone() };
    request.data(principal).data(scope).data(DataLoader::new(loaders, tokio::spawn)).data(ReferenceCache::new(db.clone()))
}

pub fn principal<'a>(ctx: &Context<'a>) -> &'a Principal {
    ctx.data_unchecked::<Principal>()
}

/// The request's read scope: what every service read is given.
pub fn read_scope<'a>(ctx: &Context<'a>) -> &'a ReadScope {
    ctx.data_unchecked::<ReadScope>()
}

pub fn reference<'a>(ctx: &Context<'a>) -> &'a ReferenceCache {
    ctx.data_unchecked::<ReferenceCache>()
}

pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// Loads one value through the request's DataLoader.
pub async fn load<K>(ctx: &Context<'_>, key: K) -> GqlResult<Option<<Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = async_graphql::Error>,
{
    ctx.data_unchecked::<DataLoader<Loaders>>().load_one(key).await
}

/// Loads a value that must exist (a foreign key of a row already read).
pub async fn load_some<K>(ctx: &Context<'_>, key: K) -> GqlResult<<Loaders as Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    Loaders: Loader<K, Error = async_graphql::Error>,
{
    let k = key.clone();
    load(ctx, key).await?.ok_or_else(|| crate::error::internal(format!("dangling reference {k:?}")).into())
}

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

#[async_graphql::Object]
impl ViewerQuery {
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        let p = principal(ctx);
        Viewer { subject: p.subject.clone(), role: p.role.as_str().to_owned(), councils: p.councils.clone() }
    }
}
