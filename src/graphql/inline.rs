//! `Inline<T>`: an object whose fields resolve one after another inside its
//! own future.
//!
//! async-graphql resolves each selected field of an object as a boxed future
//! of its own, driven by a `FuturesUnordered`, and merges the results. That
//! costs about a microsecond a field, which adds up where a list holds
//! hundreds of objects: a council's rollup by supplier answers ~1,000 groups
//! of a dozen fields (resolving them here took that query from 27 to 23.5
//! ms), a page of 50 contracts holds ~400 commitments. A field that waits (a
//! DataLoader, the reference tables) is awaited in turn within its object;
//! the list's objects still resolve concurrently, so loads still batch
//! across the list.
//!
//! `Inline<T>` is the same GraphQL type as `T` (same name, same registered
//! fields, same `resolve_field`); only the driving differs. It follows
//! async-graphql's own container resolution (`resolver_utils::container`):
//! aliases, `__typename`, fragments with their type conditions, and a field's
//! error recorded against its path while the rest of the object resolves.
//! `@skip`/`@include` are applied to the document before execution. Schema
//! extensions are not called per field here; this schema has none.
//! `with_field` and `with_selection_set` are async-graphql's hidden public
//! API, the same calls its derived code makes (the version is pinned by
//! Cargo.lock).

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerError, ServerResult, Value};

pub struct Inline<T>(pub T);

impl<T: ContainerType> OutputType for Inline<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        let mut out = IndexMap::new();
        resolve_set(ctx, &self.0, &mut out).await?;
        Ok(if out.is_empty() { Value::Null } else { Value::Object(out) })
    }
}

/// The fields of `ctx`'s selection set on `root`, in order, into `out`.
/// Boxed because fragments recurse.
fn resolve_set<'a, T: ContainerType>(
    ctx: &'a ContextSelectionSet<'a>,
    root: &'a T,
    out: &'a mut IndexMap<Name, Value>,
) -> std::pin::Pin<Box<dyn Future<Output = ServerResult<()>> + Send + 'a>> {
    Box::pin(async move {
        for selection in &ctx.item.node.items {
            let set: &Positioned<SelectionSet> = match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    if field.node.name.node == "__typename" {
                        out.insert(key, Value::String(root.introspection_type_name().into_owned()));
                        continue;
                    }
                    let ctx_field = ctx.with_field(field);
                    match root.resolve_field(&ctx_field).await {
                        Ok(value) => merge(out, key, value.unwrap_or_default()),
                        Err(e) => ctx.add_error(e),
                    }
                    continue;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let Some(fragment) = ctx.query_env.fragments.get(name) else {
                        return Err(ServerError::new(format!(r#"Unknown fragment "{name}"."#), Some(spread.pos)));
                    };
                    if !applies(root, Some(fragment.node.type_condition.node.on.node.as_str()), ctx) {
                        continue;
                    }
                    &fragment.node.selection_set
                }
                Selection::InlineFragment(fragment) => {
                    if !applies(root, fragment.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()), ctx) {
                        continue;
                    }
                    &fragment.node.selection_set
                }
            };
            resolve_set(&ctx.with_selection_set(set), root, out).await?;
        }
        Ok(())
    })
}

/// Whether a fragment with this type condition applies to `root`.
fn applies<T: ContainerType>(root: &T, condition: Option<&str>, ctx: &ContextSelectionSet<'_>) -> bool {
    let Some(condition) = condition else { return true };
    let name = root.introspection_type_name();
    name == condition || ctx.schema_env.registry.implements.get(name.as_ref()).is_some_and(|i| i.contains(condition))
}

/// A field selected twice (directly and through a fragment, say) answers
/// once, its sub-selections merged, as async-graphql's `insert_value` does.
fn merge(out: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    match (out.get_mut(&key), value) {
        (Some(Value::Object(existing)), Value::Object(more)) => {
            for (k, v) in more {
                merge(existing, k, v);
            }
        }
        (Some(Value::List(existing)), Value::List(more)) => {
            for (e, m) in existing.iter_mut().zip(more) {
                if let (Value::Object(e), Value::Object(m)) = (e, m) {
                    for (k, v) in m {
                        merge(e, k, v);
                    }
                }
            }
        }
        (Some(_), _) => {}
        (None, value) => {
            out.insert(key, value);
        }
    }
}
