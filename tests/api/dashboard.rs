//! The dashboard page at `/`, used in a real browser (Debian's Chromium,
//! driven by tests/browser/dashboard.mjs with playwright-core, every other
//! host unreachable, the page's Content-Security-Policy in force): the
//! figures it shows are the API's, a financial year changes them, the
//! charts draw, each table's CSV has that table's rows, a council's officer
//! sees the commitments behind, and axe-core finds no WCAG 2.2 AA violation.
//! Also `SVH_PUBLIC_DASHBOARD`, without a browser.
//!
//! Needs `chromium` and `npm ci --prefix tests/browser`, which `.ci/run`
//! installs (see tests/api/graphiql.rs for when it skips).

use serde_json::{Value, json};

use crate::helpers::*;

/// £ to the penny, rounded half up, with thousands separated: as the page writes it.
fn pounds(decimal: &str) -> String {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    let digits: Vec<u32> = format!("{fraction}000").chars().take(3).map(|c| c.to_digit(10).unwrap()).collect();
    let mut pence: u128 = whole.parse::<u128>().unwrap() * 100 + u128::from(digits[0] * 10 + digits[1]);
    if digits[2] >= 5 {
        pence += 1;
    }
    let p = (pence / 100).to_string();
    let grouped: Vec<String> = p.as_bytes().rchunks(3).rev().map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
    format!("£{}.{:02}", grouped.join(","), pence % 100)
}

const FIGURES: &str = "query($f: RollupFilter) { totals: rollup(filter: $f) { totals { ...m } }
    councils: rollup(filter: $f, groupBy: [COUNCIL]) { groups { key { council { code } } metrics { ...m } } } }
    fragment m on RollupMetrics { committedValue deliveredValue verifiedValue deliveryRate shortfallValue behindCount }";

fn check_totals(shown: &Value, api: &Value, what: &str) {
    for metric in ["committedValue", "deliveredValue", "verifiedValue", "shortfallValue"] {
        let value = api[metric].as_str().unwrap();
        assert_eq!(shown[metric]["value"], value, "{what} {metric}");
        assert_eq!(shown[metric]["text"], pounds(value), "{what} {metric} as written");
    }
    assert_eq!(shown["behindCount"]["value"], api["behindCount"].to_string(), "{what} behindCount");
    let rate = shown["deliveryRate"]["value"].as_str().unwrap().parse::<f64>().unwrap();
    assert!((rate - api["deliveryRate"].as_f64().unwrap()).abs() < 1e-12, "{what} deliveryRate");
}

fn check_councils(shown: &Value, api: &Value, what: &str) {
    let rows = shown.as_array().unwrap();
    let groups = api["groups"].as_array().unwrap();
    assert_eq!(rows.len(), groups.len(), "{what}");
    for (row, g) in rows.iter().zip(groups) {
        let m = &g["metrics"];
        assert_eq!(row[0], g["key"]["council"]["code"], "{what}");
        assert_eq!([&row[1], &row[2], &row[3], &row[5]], [&m["committedValue"], &m["deliveredValue"], &m["verifiedValue"], &m["shortfallValue"]], "{what}");
        assert_eq!(row[6], m["behindCount"].to_string(), "{what}");
    }
}

/// A downloaded CSV's rows after its header.
fn csv_rows(download: &Value) -> Vec<Vec<String>> {
    let text = download["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>().join("\n");
    csv::Reader::from_reader(text.as_bytes()).records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[tokio::test]
async fn the_dashboard_shows_the_apis_figures_in_a_real_browser_and_meets_wcag_2_2_aa() {
    let Some(dir) = crate::graphiql::browser_ready() else {
        eprintln!("skipped: no Chromium or no tests/browser/node_modules (see tests/api/graphiql.rs)");
        return;
    };
    use social_value_hub::dataset::Version;
    use social_value_hub::dataset::generate::{Scale, generate_version};
    let ds = generate_version(Scale::Small, 1, Version::V2);
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        social_value_hub::dataset::load::load_dataset(&app.db, &ds, 5_000, |_, _| {}).await.unwrap();
        let (dash, officer) = (token("dashboard", &[]), token_for("officer@liverpool.gov.uk", "council_viewer", &["LIV"]));
        let out_dir = std::env::temp_dir().join(format!("svh-dashboard-{}", std::process::id()));
        std::fs::create_dir_all(&out_dir).unwrap();
        let out = tokio::process::Command::new("node")
            .arg(dir.join("dashboard.mjs"))
            .args([app.url(""), dash.clone(), officer.clone(), out_dir.display().to_string()])
            .output()
            .await
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let r: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
            .unwrap_or_else(|_| panic!("no result from the browser: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
        assert!(r.get("failure").is_none(), "{r:#}");
        assert_eq!(r["signInShown"], true);
        assert_eq!(r["offHost"], json!([]), "the page asked another host for something");
        assert_eq!(r["errors"], json!([]), "errors in the page (a Content-Security-Policy refusal among them?)");
        assert_eq!(r["axe"], json!([]), "WCAG 2.2 AA violations on the dashboard");
        assert_eq!(r["axeSignIn"], json!([]), "WCAG 2.2 AA violations on the sign-in form");

        // The figures shown are the API's, for all years and for the year chosen.
        let all = app.ok(&dash, FIGURES, json!({"f": {}})).await;
        check_totals(&r["totals"], &all["totals"]["totals"], "all years");
        check_councils(&r["byCouncil"], &all["councils"], "by council");
        let year: i32 = r["year"].as_str().unwrap().parse().unwrap();
        let one = app.ok(&dash, FIGURES, json!({"f": {"financialYears": [year]}})).await;
        check_totals(&r["totalsForYear"], &one["totals"]["totals"], "one year");
        check_councils(&r["byCouncilForYear"], &one["councils"], &format!("by council in {year} ({})", r["statusForYear"]));
        assert_ne!(r["totals"]["committedValue"], r["totalsForYear"]["committedValue"], "choosing a year changed nothing");
        assert_eq!(r["signedInAfterReload"], true, "the token is kept for the browser session");

        // The charts drew, and each CSV has the rows of the table beside it.
        assert!(r["chartPixels"]["trend"].as_u64().unwrap() > 1000 && r["chartPixels"]["council"].as_u64().unwrap() > 1000, "{}", r["chartPixels"]);
        let first = |rows: &Value| rows.as_array().unwrap().iter().map(|row| row[0].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        let column = |rows: &[Vec<String>], i: usize| rows.iter().map(|row| row[i].clone()).collect::<Vec<_>>();
        assert_eq!(column(&csv_rows(&r["downloads"]["by-council"]), 0), first(&r["byCouncil"]));
        assert_eq!(column(&csv_rows(&r["downloads"]["by-council-for-year"]), 0), first(&r["byCouncilForYear"]));
        let council_csv = csv_rows(&r["downloads"]["by-council"]);
        assert_eq!(column(&council_csv, 3), r["byCouncil"].as_array().unwrap().iter().map(|row| row[1].as_str().unwrap().to_owned()).collect::<Vec<_>>());
        assert_eq!(column(&csv_rows(&r["downloads"]["by-theme"]), 0), first(&r["byTheme"]));
        let top = first(&r["topSuppliers"]);
        assert_eq!(top.len(), 10);
        assert_eq!(column(&csv_rows(&r["downloads"]["top-suppliers"]), 0), top);
        assert_eq!(csv_rows(&r["downloads"]["trend"]).len(), r["trend"].as_array().unwrap().len());
        assert!(r["trend"].as_array().unwrap().len() > 4);

        // The dashboard role reads no records: no commitments behind; an officer does.
        assert_eq!(r["behindHidden"], true);
        assert_eq!(r["behindShown"], true);
        let behind = app
            .ok(&officer, "{ commitments(first: 0, filter: {deliveryStatuses: [BEHIND, NOT_STARTED]}) { totalCount } }", json!({}))
            .await["commitments"]["totalCount"]
            .as_i64()
            .unwrap();
        assert!(behind > 20);
        assert_eq!(r["behind"].as_array().unwrap().len(), 20);
        assert!(r["behindCount"].as_str().unwrap().starts_with(&format!("{behind} commitments")), "{}", r["behindCount"]);
        let behind_csv = csv_rows(&r["downloads"]["behind"]);
        assert_eq!(behind_csv.len() as i64, behind, "the CSV has every commitment behind, the table the first 20");
        let listed: Vec<String> = r["behind"].as_array().unwrap().iter().map(|row| row[1].as_str().unwrap().to_owned()).collect();
        assert_eq!(column(&behind_csv[..20], 1), listed);
        assert!(r["usableMs"].as_u64().unwrap() < 5_000, "usable after {} ms", r["usableMs"]);
        eprintln!("dashboard usable {} ms after load; screenshot at {}", r["usableMs"], out_dir.join("dashboard.png").display());
    }
}

#[tokio::test]
async fn the_page_is_served_under_a_strict_policy_and_the_public_dashboard_reads_aggregates_without_a_token() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = reqwest::get(app.url("/")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-security-policy"], "default-src 'self'");
    let html = page.text().await.unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "every asset from the service itself");
    for asset in ["/dashboard/dashboard.js", "/dashboard/uPlot.iife.min.js", "/dashboard/LICENSE.uplot"] {
        assert_eq!(reqwest::get(app.url(asset)).await.unwrap().status(), 200, "{asset}");
    }
    // Off by default: no token, no figures.
    let (status, _) = app.gql(None, "{ rollup { totals { committedValue } } }", json!({})).await;
    assert_eq!(status, 401);

    for backend in backends() {
        let public = TestApp::spawn_with(backend, |c| c.http.public_dashboard = true).await;
        public.load_fixture("tiny").await;
        let (status, body) = public.gql(None, "{ viewer { role } rollup { totals { committedValue } } contracts { totalCount } }", json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["viewer"]["role"], "dashboard");
        assert_ne!(body["data"]["rollup"]["totals"]["committedValue"], "0.00");
        assert_eq!(body["data"]["contracts"]["totalCount"], 0, "no council's records");
        let (_, body) = public.gql(None, SYNC, json!({"input": {"councilCode": "HAL", "contracts": []}})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let csv = reqwest::get(public.url("/export/rollup.csv?groupBy=COUNCIL")).await.unwrap();
        assert_eq!(csv.status(), 200);
        assert_eq!(reqwest::get(public.url("/export/audit.jsonl")).await.unwrap().status(), 403);
        // A token is still checked: a bad one is refused, not taken for the public.
        let (status, _) = public.gql(Some("not-a-token"), "{ viewer { role } }", json!({})).await;
        assert_eq!(status, 401);
    }
}
