//! The schema assembled from the areas, and what each request adds to it.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Data, MergedObject, Schema};

use super::audit::AuditQuery;
use super::changes::{ChangesQuery, ChangesSubscription};
use super::context::Reads;
use super::edit::EditMutation;
use super::federation::FederationQuery;
use super::framework::{FrameworkMutation, FrameworkQuery};
use super::records::loaders::RecordLoader;
use super::records::query::RecordsQuery;
use super::reference::{ReferenceCache, ReferenceStore};
use super::rollup::RollupQuery;
use super::sync::SyncMutation;
use super::viewer::ViewerQuery;
use crate::auth::{Principal, ReadScope};
use crate::config::Limits;
use crate::service::DatabaseConnection;

#[derive(MergedObject, Default)]
pub struct Query(ViewerQuery, FrameworkQuery, RecordsQuery, ChangesQuery, AuditQuery, RollupQuery, FederationQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(FrameworkMutation, SyncMutation, EditMutation);

pub type Subscription = ChangesSubscription;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema without request data; `db` is shared, everything about the
/// caller is added per request by [`request_data`].
pub fn build_schema(db: Option<DatabaseConnection>, limits: &Limits) -> AppSchema {
    // Complexity counts one per selected field (aliases and fragment
    // repetitions included), which is what `max_query_fields` bounds.
    // Depth is bounded by `guard`, which gives introspection a bound of its own.
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_complexity(limits.max_query_fields)
        .data(limits.clone())
        // An Apollo Federation v2 subgraph (graphql::federation), its subscriptions included.
        .enable_federation()
        .enable_subscription_in_federation();
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

/// The Federation v2 subgraph SDL, exactly as `_service { sdl }` answers it.
pub fn subgraph_sdl(schema: &AppSchema) -> String {
    schema.sdl_with_options(async_graphql::SDLExportOptions::new().federation().compose_directive())
}

/// The names of the Query, Mutation and Subscription fields, from the schema's SDL.
pub fn root_fields(schema: &AppSchema) -> Vec<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let Ok(doc) = async_graphql::parser::parse_schema(schema.sdl()) else { return Vec::new() };
    doc.definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) if ["Query", "Mutation", "Subscription"].contains(&t.node.name.node.as_str()) => match &t.node.kind {
                TypeKind::Object(o) => Some(o.fields.iter().map(|f| f.node.name.node.to_string()).collect::<Vec<_>>()),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .collect()
}

/// What a request carries: the caller, the caller's read scope (worked
/// out once per request, by http::authenticate), the pool its reads go to (`reads`: the
/// primary `db` or a read replica), the DataLoader, which reads with that
/// scope there, and the reference cache, backed by this process's
/// `reference` store and always read on the primary, where its
/// invalidation is sent.
pub fn request_data(
    mut request: async_graphql::Request,
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    reference: &ReferenceStore,
    principal: Principal,
    scope: ReadScope,
) -> async_graphql::Request {
    // A request from the client carries no data of its own yet.
    request.data = caller_data(db, reads, reference, principal, scope);
    request
}

/// [`request_data`]'s data, for a request or for a WebSocket connection
/// (whose subscriptions each read the primary themselves).
pub fn caller_data(db: &DatabaseConnection, reads: &DatabaseConnection, reference: &ReferenceStore, principal: Principal, scope: ReadScope) -> Data {
    let records = RecordLoader::new(reads.clone(), scope.clone());
    let mut data = Data::default();
    data.insert(principal);
    data.insert(scope);
    data.insert(Reads(reads.clone()));
    data.insert(DataLoader::new(records, tokio::spawn));
    data.insert(ReferenceCache::new(db.clone(), reference.clone()));
    data
}
