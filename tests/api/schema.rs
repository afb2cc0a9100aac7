//! schema.graphql at the repository root is the schema the server serves.

#[test]
fn schema_file_matches_export_schema() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let committed = std::fs::read_to_string(&path).expect("schema.graphql");
    let served = social_value_hub::graphql::build_schema(None, &Default::default()).sdl();
    assert!(committed == served, "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`");
}

#[tokio::test]
async fn export_schema_command_prints_the_schema() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_social-value-hub")).arg("export-schema").output().unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

/// Every field, argument and input field the contract writes out, with its
/// type (nullability included) and default, as the served schema has it.
#[test]
fn the_served_schema_has_every_type_of_the_contract_exactly() {
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use std::collections::BTreeMap;

    /// `Type.field` -> its type, and `Type.field(arg)` -> the argument's type and default.
    fn members(sdl: &str) -> BTreeMap<String, String> {
        let doc = parse_schema(sdl).expect("SDL parses");
        let mut out = BTreeMap::new();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else { continue };
            let name = t.node.name.node.to_string();
            match t.node.kind {
                TypeKind::Object(o) => {
                    for f in o.fields {
                        let field = f.node.name.node.to_string();
                        out.insert(format!("{name}.{field}"), f.node.ty.node.to_string());
                        for a in f.node.arguments {
                            let default = a.node.default_value.map(|d| format!(" = {}", d.node)).unwrap_or_default();
                            out.insert(format!("{name}.{field}({})", a.node.name.node), format!("{}{default}", a.node.ty.node));
                        }
                    }
                }
                TypeKind::InputObject(i) => {
                    for f in i.fields {
                        let default = f.node.default_value.map(|d| format!(" = {}", d.node)).unwrap_or_default();
                        out.insert(format!("{name}.{}", f.node.name.node), format!("{}{default}", f.node.ty.node));
                    }
                }
                TypeKind::Enum(e) => {
                    for v in e.values {
                        out.insert(format!("{name}.{}", v.node.value.node), "enum value".into());
                    }
                }
                _ => {}
            }
        }
        out
    }
    let contract = members(include_str!("../fixtures/contract_v1.graphql"));
    let served = members(&social_value_hub::graphql::build_schema(None, &Default::default()).sdl());
    let wrong: Vec<String> = contract
        .iter()
        .filter(|(k, v)| served.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}: the contract says {v}, the schema has {:?}", served.get(k)))
        .collect();
    assert!(contract.len() > 150, "the contract's types did not parse: {}", contract.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
