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
