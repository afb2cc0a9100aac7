//! `SerialFields<T>`: an object whose selected fields resolve one after
//! another inside its own future.
//!
//! async-graphql resolves each selected field of an object as a boxed future
//! of its own, driven by a `FuturesUnordered`, and merges the results; its
//! public `resolve_container_serial` still makes a boxed future per field.
//! That cost per field adds up where a list holds hundreds of objects of a
//! dozen fields: a council's rollup by supplier has a group per supplier, a
//! page of 50 contracts holds hundreds of commitments. Here each field is
//! awaited in place. A field that waits (a DataLoader, the reference tables)
//! is awaited in turn within its object; the list's objects still resolve
//! concurrently, so loads still batch across the list.
//!
//! `SerialFields<T>` is the same GraphQL type as `T` (same name, same
//! registered fields, same `resolve_field`); only the driving differs. It
//! follows async-graphql's own container resolution
//! (`resolver_utils::container`): aliases, `__typename`, fragments with their
//! type conditions, a field selected twice answering once, and a field's
//! error recorded against its path while the rest of the object resolves.
//! `@skip`/`@include` are applied to the document before execution. Schema
//! extensions are not called per field here; this schema has none. The tests
//! below compare its answers with ordinary resolution over a corpus of
//! queries. `with_field` and `with_selection_set` are async-graphql's hidden
//! public API, the same calls its derived code makes, so Cargo.toml pins
//! async-graphql to the exact version this follows.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerError, ServerResult, Value as GqlValue};

pub struct SerialFields<T>(pub T);

impl<T: ContainerType> OutputType for SerialFields<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<GqlValue> {
        let mut out = IndexMap::new();
        resolve_set(ctx, &self.0, &mut out).await?;
        Ok(if out.is_empty() { GqlValue::Null } else { GqlValue::Object(out) })
    }
}

/// The fields of `ctx`'s selection set on `root`, in order, into `out`.
/// Boxed because fragments recurse.
fn resolve_set<'a, T: ContainerType>(
    ctx: &'a ContextSelectionSet<'a>,
    root: &'a T,
    out: &'a mut IndexMap<Name, GqlValue>,
) -> std::pin::Pin<Box<dyn Future<Output = ServerResult<()>> + Send + 'a>> {
    Box::pin(async move {
        for selection in &ctx.item.node.items {
            let set: &Positioned<SelectionSet> = match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    if field.node.name.node == "__typename" {
                        out.insert(key, GqlValue::String(root.introspection_type_name().into_owned()));
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
fn merge(out: &mut IndexMap<Name, GqlValue>, key: Name, value: GqlValue) {
    match (out.get_mut(&key), value) {
        (Some(GqlValue::Object(existing)), GqlValue::Object(more)) => {
            for (k, v) in more {
                merge(existing, k, v);
            }
        }
        (Some(GqlValue::List(existing)), GqlValue::List(more)) => {
            for (e, m) in existing.iter_mut().zip(more) {
                if let (GqlValue::Object(e), GqlValue::Object(m)) = (e, m) {
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

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Interface, Object, Schema, SimpleObject};

    use super::{GqlValue, SerialFields};

    #[derive(SimpleObject, Clone)]
    struct Part {
        code: String,
        size: i32,
    }

    #[derive(Clone)]
    struct Item {
        id: i32,
    }

    #[Object]
    impl Item {
        async fn id(&self) -> i32 {
            self.id
        }
        async fn name(&self) -> String {
            format!("item {}", self.id)
        }
        async fn echo(&self, word: String) -> String {
            format!("{word} {}", self.id)
        }
        /// Answers after the fields that do not wait, so that fields resolved
        /// concurrently finish out of order.
        async fn slow(&self) -> i32 {
            for _ in 0..3 {
                tokio::task::yield_now().await;
            }
            self.id * 100
        }
        async fn part(&self) -> Part {
            Part { code: format!("p{}", self.id), size: self.id * 10 }
        }
        async fn parts(&self) -> Vec<Part> {
            (0..2).map(|n| Part { code: format!("p{}.{n}", self.id), size: n }).collect()
        }
        async fn fails(&self) -> async_graphql::Result<i32> {
            if self.id == 2 { Err("item 2 fails".into()) } else { Ok(self.id) }
        }
        async fn may_fail(&self) -> async_graphql::Result<Option<String>> {
            if self.id == 3 { Err("item 3 may fail".into()) } else { Ok(Some("fine".into())) }
        }
    }

    #[derive(Interface)]
    #[graphql(field(name = "id", ty = "i32"))]
    enum Thing {
        Item(Item),
    }

    struct Query;

    fn items() -> Vec<Item> {
        (1..=4).map(|id| Item { id }).collect()
    }

    // Each `normal` field and its `serial` twin have names of one length,
    // so that errors' locations are the same in both queries.
    #[Object]
    impl Query {
        async fn normal(&self) -> Vec<Item> {
            items()
        }
        async fn serial(&self) -> Vec<SerialFields<Item>> {
            items().into_iter().map(SerialFields).collect()
        }
        async fn normal_one(&self) -> Item {
            Item { id: 2 }
        }
        async fn serial_one(&self) -> SerialFields<Item> {
            SerialFields(Item { id: 2 })
        }
        async fn things(&self) -> Vec<Thing> {
            items().into_iter().map(Thing::Item).collect()
        }
    }

    /// Selections on `Item`, each with the fragments it uses.
    const CORPUS: &[(&str, &str)] = &[
        ("{ id name }", ""),
        ("{ a: id b: name c: echo(word: \"x\") d: echo(word: \"y\") id }", ""),
        ("{ __typename t: __typename id }", ""),
        ("{ slow id slow2: slow name }", ""),
        ("{ ...f name }", "fragment f on Item { id part { code } }"),
        ("{ ... on Item { id } ... on Thing { id t: __typename } ... { name } }", ""),
        ("{ ...thing }", "fragment thing on Thing { id ... on Item { name } }"),
        ("{ ...outer }", "fragment outer on Item { ...inner slow } fragment inner on Item { id name }"),
        ("{ part { code } part { size } ... on Item { part { code t: __typename } } }", ""),
        ("{ parts { code } ...p parts { size } }", "fragment p on Item { parts { code size } }"),
        ("{ id part { code } ...f }", "fragment f on Item { part { size } name }"),
        ("{ id fails name }", ""),
        ("{ id mayFail slow fails }", ""),
        ("{ id ... on Item { fails } mayFail ... { m: mayFail } }", ""),
        ("{ id @skip(if: true) name @include(if: false) part @include(if: true) { code } ... @skip(if: true) { slow } }", ""),
    ];

    async fn run(schema: &Schema<Query, EmptyMutation, EmptySubscription>, query: String) -> (GqlValue, Vec<String>) {
        let response = schema.execute(query.as_str()).await;
        let mut errors: Vec<String> = response.errors.iter().map(|e| serde_json::to_string(e).unwrap()).collect();
        // Concurrently resolved fields report their errors in the order they fail.
        errors.sort();
        (response.data, errors)
    }

    fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query, EmptyMutation, EmptySubscription).finish()
    }

    /// Objects compare as maps: concurrent resolution orders an object's
    /// keys as its fields finish (see the test after this one).
    #[tokio::test]
    async fn answers_as_ordinary_resolution_does() {
        let schema = schema();
        for (selection, fragments) in CORPUS {
            for (normal, serial) in [("normal", "serial"), ("normalOne", "serialOne")] {
                let expected = run(&schema, format!("query {{ it: {normal} {selection} }} {fragments}")).await;
                let got = run(&schema, format!("query {{ it: {serial} {selection} }} {fragments}")).await;
                assert!(matches!(&expected.0, GqlValue::Object(o) if o.contains_key("it")), "{selection}: {expected:?}");
                assert_eq!(got, expected, "{selection} on {serial}");
            }
        }
    }

    #[tokio::test]
    async fn keeps_the_order_of_the_selection() {
        let (data, _) = run(&schema(), "{ serialOne { slow id s: slow name } }".into()).await;
        assert_eq!(serde_json::to_string(&data).unwrap(), r#"{"serialOne":{"slow":200,"id":2,"s":200,"name":"item 2"}}"#);
    }

    #[test]
    fn is_the_same_type_as_what_it_wraps() {
        let sdl = schema().sdl();
        assert!(sdl.contains("serial: [Item!]!"), "{sdl}");
        assert_eq!(sdl.matches("type Item").count(), 1, "{sdl}");
    }
}
