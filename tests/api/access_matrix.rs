//! Every role against every query and mutation, including attempts on
//! another council's records. Council roles hold LIV; HAL is "another council".

use serde_json::{Value, json};

use crate::helpers::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Succeeds (for lists: with at least one record).
    Ok,
    /// Succeeds with no records.
    Empty,
    Forbidden,
}
use Expect::*;

const ROLES: [&str; 6] = ["regional_admin", "council_editor", "council_sync", "council_viewer", "auditor", "dashboard"];

fn role_token(role: &str) -> String {
    token(role, &["LIV"])
}

struct Op {
    name: &'static str,
    query: &'static str,
    vars: Value,
    /// The field whose `totalCount` tells Ok from Empty, if it is a list.
    list: Option<&'static str>,
    /// In ROLES order.
    expect: [Expect; 6],
}

fn hacked_batch(council: &str) -> Value {
    json!({ "councilCode": council, "suppliers": [{ "ref": "SUP-HACK", "name": "HACKED", "isSme": false, "isVcse": false }] })
}

#[tokio::test]
async fn every_role_against_every_operation() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny").await;
        let auditor = token("auditor", &[]);
        let id_of = |council: &'static str| {
            let app = &app;
            let auditor = auditor.clone();
            async move {
                let d = app
                    .ok(&auditor, "query($c: [String!]) { contracts(first: 1, filter: {councilCodes: $c}) { edges { node { id } } } }", json!({"c": [council]}))
                    .await;
                d["contracts"]["edges"][0]["node"]["id"].clone()
            }
        };
        let (liv_contract, hal_contract) = (id_of("LIV").await, id_of("HAL").await);
        let evidence_of = |council: &'static str| {
            let app = &app;
            let auditor = auditor.clone();
            async move {
                let d = app
                    .ok(
                        &auditor,
                        "query($c: [String!]) { evidence(first: 3, filter: {councilCodes: $c}) { edges { node { id commitment { id } } } } }",
                        json!({"c": [council]}),
                    )
                    .await;
                d["evidence"]["edges"].as_array().unwrap().iter().map(|e| (e["node"]["id"].clone(), e["node"]["commitment"]["id"].clone())).collect::<Vec<_>>()
            }
        };
        let (liv_evidence, hal_evidence) = (evidence_of("LIV").await, evidence_of("HAL").await);
        let review = "mutation($id: ID!) { reviewEvidence(id: $id, decision: VERIFY, expectedVersion: 1) { status } }";
        let withdraw = "mutation($id: ID!) { withdrawRecord(id: $id, expectedVersion: 1) }";
        let editor_only = [Forbidden, Ok, Forbidden, Forbidden, Forbidden, Forbidden];
        let regional_readers = [Ok, Forbidden, Forbidden, Forbidden, Ok, Forbidden];
        let node = "query($id: ID!) { node(id: $id) { id } }";
        let entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Contract { id } } }";
        let sync = "mutation($i: SyncInput!) { syncCouncilData(input: $i) { applied } }";
        let all_ok = [Ok; 6];
        let admin_only = [Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden];
        // A framework of LIV's own, with LT1 unmapped and LT2 mapped, for the crosswalk's mutations.
        let admin = token("regional_admin", &[]);
        for q in [
            "mutation { upsertFramework(input: {code: \"LTOMS\", name: \"Lancashire TOMs\"}) { code } }",
            "mutation { upsertTheme(input: {code: \"PEOPLE\", name: \"People\", frameworkCode: \"LTOMS\"}) { code } }",
            "mutation { upsertMeasure(input: {code: \"LT1\", themeCode: \"PEOPLE\", name: \"Starts\", unit: \"starts\", frameworkCode: \"LTOMS\"}) { code } }",
            "mutation { upsertMeasure(input: {code: \"LT2\", themeCode: \"PEOPLE\", name: \"Days\", unit: \"days\", frameworkCode: \"LTOMS\"}) { code } }",
            "mutation { mapMeasure(input: {frameworkCode: \"LTOMS\", measureCode: \"LT2\", regionalMeasureCode: \"SOCIAL-01\", factor: \"7.5\"}) { factor } }",
        ] {
            app.ok(&admin, q, json!({})).await;
        }
        let ops = vec![
            Op {
                name: "frameworks",
                query: "{ frameworks { code themes { code } measures { code valued mapping { factor } } } }",
                vars: json!({}),
                list: None,
                expect: all_ok,
            },
            Op {
                name: "measures of another framework",
                query: "{ measures(frameworkCode: \"LTOMS\") { code framework { code } } themes(frameworkCode: \"LTOMS\") { code } }",
                vars: json!({}),
                list: None,
                expect: all_ok,
            },
            Op {
                name: "upsertFramework",
                query: "mutation($n: String!) { upsertFramework(input: {code: \"LTOMS\", name: $n}) { code } }",
                vars: json!({}),
                list: None,
                expect: admin_only,
            },
            Op {
                name: "mapMeasure",
                query: "mutation($f: Decimal) { mapMeasure(input: {frameworkCode: \"LTOMS\", measureCode: \"LT1\", regionalMeasureCode: \"JOBS-03\", factor: $f}) { factor } }",
                vars: json!({}),
                list: None,
                expect: admin_only,
            },
            Op {
                name: "unmapMeasure",
                query: "mutation { unmapMeasure(frameworkCode: \"LTOMS\", measureCode: \"LT2\") }",
                vars: json!({}),
                list: None,
                expect: admin_only,
            },
            Op { name: "viewer", query: "{ viewer { role } }", vars: json!({}), list: None, expect: all_ok },
            Op { name: "councils", query: "{ councils { code } }", vars: json!({}), list: None, expect: all_ok },
            Op { name: "themes", query: "{ themes { code } }", vars: json!({}), list: None, expect: all_ok },
            Op { name: "measures", query: "{ measures { code proxies { valueGbp } } }", vars: json!({}), list: None, expect: all_ok },
            Op { name: "suppliers", query: "{ suppliers { totalCount } }", vars: json!({}), list: Some("suppliers"), expect: all_ok },
            Op { name: "contracts", query: "{ contracts { totalCount } }", vars: json!({}), list: Some("contracts"), expect: [Ok, Ok, Ok, Ok, Ok, Empty] },
            Op {
                name: "commitments",
                query: "{ commitments { totalCount } }",
                vars: json!({}),
                list: Some("commitments"),
                expect: [Ok, Ok, Ok, Ok, Ok, Empty],
            },
            Op { name: "evidence", query: "{ evidence { totalCount } }", vars: json!({}), list: Some("evidence"), expect: [Ok, Ok, Ok, Ok, Ok, Empty] },
            Op {
                name: "contracts of own council",
                query: "{ contracts(filter: {councilCodes: [\"LIV\"]}) { totalCount } }",
                vars: json!({}),
                list: Some("contracts"),
                expect: [Ok, Ok, Ok, Ok, Ok, Forbidden],
            },
            Op {
                name: "contracts of another council",
                query: "{ contracts(filter: {councilCodes: [\"HAL\"]}) { totalCount } }",
                vars: json!({}),
                list: Some("contracts"),
                expect: [Ok, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
            },
            Op {
                name: "commitments of another council",
                query: "{ commitments(filter: {councilCodes: [\"HAL\"]}) { totalCount } }",
                vars: json!({}),
                list: Some("commitments"),
                expect: [Ok, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
            },
            Op {
                name: "evidence of another council",
                query: "{ evidence(filter: {councilCodes: [\"HAL\"]}) { totalCount } }",
                vars: json!({}),
                list: Some("evidence"),
                expect: [Ok, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
            },
            Op { name: "node of own council", query: node, vars: json!({"id": liv_contract}), list: None, expect: [Ok, Ok, Ok, Ok, Ok, Forbidden] },
            // Federation's entities: exactly node's visibility.
            Op {
                name: "_entities of own council",
                query: entities,
                vars: json!({"r": [{"__typename": "Contract", "id": liv_contract}]}),
                list: None,
                expect: [Ok, Ok, Ok, Ok, Ok, Forbidden],
            },
            Op {
                name: "_entities of another council",
                query: entities,
                vars: json!({"r": [{"__typename": "Contract", "id": hal_contract}]}),
                list: None,
                expect: [Ok, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
            },
            Op {
                name: "node of another council",
                query: node,
                vars: json!({"id": hal_contract}),
                list: None,
                expect: [Ok, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
            },
            Op {
                name: "upsertCouncil",
                query: "mutation($n: String!) { upsertCouncil(input: {code: \"LIV\", name: $n, gssCode: \"E08000012\"}) { code } }",
                vars: json!({}),
                list: None,
                expect: admin_only,
            },
            Op {
                name: "upsertTheme",
                query: "mutation($n: String!) { upsertTheme(input: {code: \"JOBS\", name: $n}) { code } }",
                vars: json!({}),
                list: None,
                expect: admin_only,
            },
            Op {
                name: "upsertMeasure",
                query: "mutation($n: String!) { upsertMeasure(input: {code: \"JOBS-01\", themeCode: \"JOBS\", name: $n, unit: \"FTE\"}) { code } }",
                vars: json!({}),
                list: None,
                expect: admin_only,
            },
            Op {
                name: "setProxy",
                query: "mutation($v: Decimal!) { setProxy(measureCode: \"JOBS-01\", financialYear: 2024, valueGbp: $v) { valueGbp } }",
                vars: json!({}),
                list: None,
                expect: admin_only,
            },
            Op { name: "syncCouncilData own council", query: sync, vars: json!({}), list: None, expect: [Forbidden, Ok, Ok, Forbidden, Forbidden, Forbidden] },
            Op { name: "syncCouncilData another council", query: sync, vars: json!({}), list: None, expect: [Forbidden; 6] },
            Op {
                name: "changes of own council",
                query: "{ changes(councilCode: \"LIV\") { endCursor } }",
                vars: json!({}),
                list: None,
                expect: [Ok, Ok, Ok, Ok, Ok, Forbidden],
            },
            Op {
                name: "changes of another council",
                query: "{ changes(councilCode: \"HAL\") { endCursor } }",
                vars: json!({}),
                list: None,
                expect: regional_readers,
            },
            Op {
                name: "auditEvents",
                query: "{ auditEvents { totalCount } }",
                vars: json!({}),
                list: Some("auditEvents"),
                expect: [Ok, Ok, Ok, Ok, Ok, Forbidden],
            },
            Op {
                name: "auditEvents of another council",
                query: "{ auditEvents(filter: {councilCodes: [\"HAL\"]}) { totalCount } }",
                vars: json!({}),
                list: Some("auditEvents"),
                expect: regional_readers,
            },
            Op { name: "auditChain", query: "{ auditChain { valid } }", vars: json!({}), list: None, expect: regional_readers },
            Op { name: "reviewEvidence own council", query: review, vars: json!({"id": liv_evidence[0].0}), list: None, expect: editor_only },
            Op { name: "reviewEvidence another council", query: review, vars: json!({"id": hal_evidence[0].0}), list: None, expect: [Forbidden; 6] },
            Op {
                name: "setCommitmentTarget own council",
                query: "mutation($id: ID!) { setCommitmentTarget(id: $id, targetQuantity: \"7\", expectedVersion: 1) { version } }",
                vars: json!({"id": liv_evidence[1].1}),
                list: None,
                expect: editor_only,
            },
            Op {
                name: "setCommitmentTarget another council",
                query: "mutation($id: ID!) { setCommitmentTarget(id: $id, targetQuantity: \"7\", expectedVersion: 1) { version } }",
                vars: json!({"id": hal_evidence[1].1}),
                list: None,
                expect: [Forbidden; 6],
            },
            Op {
                name: "relinkEvidence own council",
                query: "mutation($id: ID!, $c: ID!) { relinkEvidence(id: $id, commitmentId: $c, expectedVersion: 1) { version } }",
                vars: json!({"id": liv_evidence[1].0, "c": liv_evidence[1].1}),
                list: None,
                expect: editor_only,
            },
            Op {
                name: "rollup",
                query: "{ rollup(groupBy: [COUNCIL, THEME]) { totals { committedValue } groups { metrics { deliveredValue } } } }",
                vars: json!({}),
                list: None,
                expect: all_ok,
            },
            Op { name: "deliveryTrend", query: "{ deliveryTrend { financialYear quarter deliveredValue } }", vars: json!({}), list: None, expect: all_ok },
            Op {
                name: "rollup by contract of own council",
                query: "{ rollup(filter: {councilCodes: [\"LIV\"]}, groupBy: [CONTRACT]) { groups { key { contract { externalId } } } } }",
                vars: json!({}),
                list: None,
                expect: [Ok, Ok, Ok, Ok, Ok, Forbidden],
            },
            Op {
                name: "rollup by contract of another council",
                query: "{ rollup(filter: {councilCodes: [\"HAL\"]}, groupBy: [CONTRACT]) { groups { key { contract { externalId } } } } }",
                vars: json!({}),
                list: None,
                expect: regional_readers,
            },
            Op { name: "withdrawRecord own council", query: withdraw, vars: json!({"id": liv_evidence[2].0}), list: None, expect: editor_only },
            Op { name: "withdrawRecord another council", query: withdraw, vars: json!({"id": hal_evidence[2].0}), list: None, expect: [Forbidden; 6] },
        ];

        for op in &ops {
            for (role, expect) in ROLES.iter().zip(op.expect) {
                let allowed = expect != Forbidden;
                // What a write sends depends on whether it should land, so that a
                // forbidden write that slipped through would leave a visible mark.
                let mark = if allowed { "Official" } else { "HACKED" };
                let mut vars = op.vars.clone();
                match op.name {
                    "upsertCouncil" | "upsertTheme" | "upsertMeasure" | "upsertFramework" => vars = json!({"n": format!("{mark} name")}),
                    "mapMeasure" => vars = json!({"f": if allowed { "52" } else { "999" }}),
                    "setProxy" => vars = json!({"v": if allowed { "33090.89" } else { "0.01" }}),
                    "syncCouncilData own council" => {
                        vars = json!({"i": if allowed { json!({"councilCode": "LIV", "contracts": []}) } else { hacked_batch("LIV") }})
                    }
                    "syncCouncilData another council" => vars = json!({"i": hacked_batch("HAL")}),
                    _ => {}
                }
                let (status, body) = app.gql(Some(&role_token(role)), op.query, vars).await;
                assert_eq!(status, 200, "{} as {role}: {body}", op.name);
                let code = body["errors"][0]["extensions"]["code"].as_str();
                match expect {
                    Forbidden => assert_eq!(code, Some("FORBIDDEN"), "{} as {role}: {body}", op.name),
                    Ok | Empty => {
                        assert!(body.get("errors").is_none(), "{} as {role}: {body}", op.name);
                        if let Some(list) = op.list {
                            let n = body["data"][list]["totalCount"].as_i64().unwrap();
                            assert_eq!(n > 0, expect == Ok, "{} as {role}: {n} records", op.name);
                        }
                    }
                }
            }
        }

        // No forbidden write left a mark: HAL's records are untouched, and so is the chain.
        let d = app
            .ok(&auditor, "{ auditEvents(filter: {councilCodes: [\"HAL\"], actor: \"council_editor-tester\"}) { totalCount } auditChain { valid } }", json!({}))
            .await;
        assert_eq!(d, json!({"auditEvents": {"totalCount": 0}, "auditChain": {"valid": true}}));
        let d = app
            .ok(
                &auditor,
                "{ councils { name } themes { name } measures { name proxies { valueGbp } } suppliers(filter: {nameContains: \"hacked\"}) { totalCount }
                   frameworks { name measures { code mapping { factor } } } }",
                json!({}),
            )
            .await;
        assert!(!d.to_string().contains("HACKED"), "{d}");
        assert!(!d.to_string().contains("\"0.01\""), "{d}");
        assert!(!d.to_string().contains("999.00"), "{d}");
        // The admin's mapping and unmapping landed; nobody else's did.
        assert_eq!(d["frameworks"][1]["measures"], json!([{"code": "LT1", "mapping": {"factor": "52.00"}}, {"code": "LT2", "mapping": null}]));
        assert_eq!(d["suppliers"]["totalCount"], 0);
    })
    .await;
}
