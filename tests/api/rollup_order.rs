//! `rollup(orderBy, first)` and `groupCount` (contract v2, "Rollups: order
//! and top N"): key order by codes, metrics either way, ties in key order,
//! a null delivery rate last, and the first N of the groups.

use serde_json::{Value, json};

use crate::helpers::*;

const ORDERED: &str = "query($g: [RollupDimension!]!, $o: [RollupOrder!], $n: Int, $f: RollupFilter) {
    rollup(groupBy: $g, orderBy: $o, first: $n, filter: $f) { groupCount totals { deliveredValue }
      groups { key { council { code } theme { code } supplier { ref } financialYear } metrics { deliveredValue deliveryRate committedValue } } } }";

fn keys(r: &Value, f: impl Fn(&Value) -> Value) -> Vec<Value> {
    r["rollup"]["groups"].as_array().unwrap().iter().map(|g| f(&g["key"])).collect()
}

#[tokio::test]
async fn the_top_suppliers_by_delivered_value_are_the_oracles_and_first_keeps_only_them() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        let exp = crate::rollup::expected("tiny-frameworks");
        let dash = token("dashboard", &[]);
        let top = &exp["top_suppliers"];
        let all = app.ok(&dash, ORDERED, json!({"g": ["SUPPLIER"], "o": [{"metric": "DELIVERED_VALUE"}]})).await;
        let r = app.ok(&dash, ORDERED, json!({"g": ["SUPPLIER"], "o": [{"metric": "DELIVERED_VALUE", "direction": "DESC"}], "n": 2})).await;
        assert_eq!(r["rollup"]["groupCount"], top["group_count"]);
        assert_eq!(r["rollup"]["groups"].as_array().unwrap().len(), 2);
        // Totals cover every group, whatever `first` keeps.
        assert_eq!(r["rollup"]["totals"], all["rollup"]["totals"]);
        let want = top["groups"].as_array().unwrap();
        for (i, g) in all["rollup"]["groups"].as_array().unwrap().iter().enumerate() {
            assert_eq!(g["key"]["supplier"]["ref"], want[i]["supplier_ref"], "rank {i}");
            assert_eq!(dec(&g["metrics"]["deliveredValue"]), dec(&want[i]["delivered_value"]), "rank {i}");
        }
        assert_eq!(r["rollup"]["groups"].as_array().unwrap()[..], all["rollup"]["groups"].as_array().unwrap()[..2]);
        // Ascending is the reverse here (no two suppliers deliver the same).
        let asc = app.ok(&dash, ORDERED, json!({"g": ["SUPPLIER"], "o": [{"metric": "DELIVERED_VALUE", "direction": "ASC"}]})).await;
        let mut reversed = keys(&all, |k| k["supplier"]["ref"].clone());
        reversed.reverse();
        assert_eq!(keys(&asc, |k| k["supplier"]["ref"].clone()), reversed);

        for n in [0, 501, -1] {
            assert_eq!(app.error_code(&dash, ORDERED, json!({"g": ["SUPPLIER"], "n": n})).await, "BAD_USER_INPUT", "first: {n}");
        }
    })
    .await;
}

#[tokio::test]
async fn groups_come_in_key_order_by_code_in_the_order_given_with_null_keys_last() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        let dash = token("dashboard", &[]);
        let code = |v: &Value| v["code"].as_str().map(str::to_owned);
        // Theme first, then council: the group of unmapped records (no theme) comes last.
        let r = app.ok(&dash, ORDERED, json!({"g": ["THEME", "COUNCIL"]})).await;
        let got: Vec<(Option<String>, Option<String>)> =
            r["rollup"]["groups"].as_array().unwrap().iter().map(|g| (code(&g["key"]["theme"]), code(&g["key"]["council"]))).collect();
        let mut want = got.clone();
        want.sort_by(|a, b| (a.0.is_none(), &a.0, &a.1).cmp(&(b.0.is_none(), &b.0, &b.1)));
        assert_eq!(got, want);
        assert!(got.last().unwrap().0.is_none(), "the tiny v2 region has unmapped records: {got:?}");
        assert!(got.iter().any(|g| g.0.is_some()));
        // Council first, then year: years numerically within each council.
        let r = app.ok(&dash, ORDERED, json!({"g": ["COUNCIL", "FINANCIAL_YEAR"]})).await;
        let got: Vec<(Option<String>, i64)> =
            r["rollup"]["groups"].as_array().unwrap().iter().map(|g| (code(&g["key"]["council"]), g["key"]["financialYear"].as_i64().unwrap())).collect();
        let mut want = got.clone();
        want.sort();
        assert_eq!(got, want);

        // A null delivery rate (nothing committed) sorts last in either
        // direction, and equal rates keep key order.
        for direction in ["ASC", "DESC"] {
            let r = app.ok(&dash, ORDERED, json!({"g": ["COUNCIL", "FINANCIAL_YEAR"], "o": [{"metric": "DELIVERY_RATE", "direction": direction}]})).await;
            let rates: Vec<Option<f64>> = r["rollup"]["groups"].as_array().unwrap().iter().map(|g| g["metrics"]["deliveryRate"].as_f64()).collect();
            let nulls = rates.iter().position(Option::is_none).unwrap_or(rates.len());
            assert!(rates[nulls..].iter().all(Option::is_none), "{direction}: nulls last {rates:?}");
            let present: Vec<f64> = rates[..nulls].iter().map(|r| r.unwrap()).collect();
            assert!(present.windows(2).all(|w| if direction == "ASC" { w[0] <= w[1] } else { w[0] >= w[1] }), "{direction} {present:?}");
        }
    })
    .await;
}

/// A rollup computes only the figures its selection reads and its order
/// compares: each metric asked alone, in a fragment, or only ordered by,
/// must come out as it does beside all the others.
#[tokio::test]
async fn each_metric_asked_alone_or_only_ordered_by_equals_it_beside_every_other() {
    on_each_backend(|app| async move {
        app.load_fixture("tiny-frameworks").await;
        let dash = token("dashboard", &[]);
        const METRICS: [&str; 13] = [
            "commitmentCount",
            "unvaluedCommitmentCount",
            "evidenceCount",
            "committedValue",
            "deliveredValue",
            "verifiedValue",
            "committedQuantity",
            "deliveredQuantity",
            "deliveryRate",
            "contractValue",
            "socialValueRatio",
            "shortfallValue",
            "behindCount",
        ];
        let all = METRICS.join(" ");
        for (groups, filter) in [(json!(["COUNCIL"]), json!({"asOf": "2030-01-01"})), (json!(["SUPPLIER"]), json!({"measureCodes": ["JOBS-01"]})), (json!(["FRAMEWORK"]), json!({}))] {
            let q = |selection: &str| format!("query($g: [RollupDimension!]!, $f: RollupFilter) {{ rollup(groupBy: $g, filter: $f) {{ {selection} }} }}");
            let v = json!({"g": groups, "f": filter});
            let full = app.ok(&dash, &q(&format!("totals {{ {all} }} groups {{ key {{ council {{ code }} supplier {{ ref }} framework {{ code }} }} metrics {{ {all} }} }}")), v.clone())
                .await;
            for m in METRICS {
                let fragment = format!(
                    "query($g: [RollupDimension!]!, $f: RollupFilter) {{ rollup(groupBy: $g, filter: $f) {{ totals {{ {m} }} groups {{ metrics {{ ...F }} }} }} }}
                     fragment F on RollupMetrics {{ {m} }}"
                );
                let alone = app.ok(&dash, &fragment, v.clone()).await;
                let want: Vec<&Value> = full["rollup"]["groups"].as_array().unwrap().iter().map(|g| &g["metrics"][m]).collect();
                let got: Vec<&Value> = alone["rollup"]["groups"].as_array().unwrap().iter().map(|g| &g["metrics"][m]).collect();
                assert_eq!(got, want, "{m} by {groups}");
                assert_eq!(alone["rollup"]["totals"][m], full["rollup"]["totals"][m], "totals' {m} by {groups}");
            }
        }
        // Ordered by a metric that is not selected: the same order as when it is.
        for metric in ["COMMITTED_VALUE", "DELIVERED_VALUE", "VERIFIED_VALUE", "CONTRACT_VALUE", "SHORTFALL_VALUE", "DELIVERY_RATE"] {
            let q = |selection: &str| format!("{{ rollup(groupBy: [SUPPLIER], orderBy: [{{metric: {metric}, direction: DESC}}], first: 3) {{ groups {{ key {{ supplier {{ ref }} }} {selection} }} }} }}");
            let with = app.ok(&dash, &q(&format!("metrics {{ {all} }}")), json!({})).await;
            let without = app.ok(&dash, &q(""), json!({})).await;
            assert_eq!(keys(&without, |k| k["supplier"]["ref"].clone()), keys(&with, |k| k["supplier"]["ref"].clone()), "{metric}");
        }
    })
    .await;
}
