//! GraphQL over HTTP: body limits, GET queries, media-type negotiation,
//! GraphiQL for browsers only, opt-in CORS, compression and the request
//! timeout.

use std::io::Read;

use serde_json::{Value, json};

use crate::helpers::*;

/// A sync batch of `evidence` records with URLs and hashes, as a JSON body of at least `bytes`.
fn body_of(bytes: usize) -> Vec<u8> {
    let mut batch = small_batch("LIV");
    let one = json!({"externalId": "E-000000", "commitmentExternalId": "K1/1", "periodStart": "2024-04-01", "periodEnd": "2024-06-30",
        "quantity": "0.01", "evidenceUrl": format!("https://evidence.liverpool.gov.uk/{}", "x".repeat(180)), "evidenceSha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"});
    let per = one.to_string().len();
    let n = bytes / per + 1;
    batch["evidence"] = Value::Array(
        (0..n)
            .map(|i| {
                let mut e = one.clone();
                e["externalId"] = json!(format!("E-{i:06}"));
                e
            })
            .collect(),
    );
    serde_json::to_vec(&json!({"query": SYNC, "variables": {"input": batch}})).unwrap()
}

#[tokio::test]
async fn bodies_up_to_the_configured_limit_are_read_and_larger_ones_refused_with_413() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let client = reqwest::Client::new();
        let sync = token("council_sync", &["LIV"]);
        for mib in [3, 10, 17] {
            let body = body_of(mib << 20);
            assert!(body.len() >= mib << 20);
            let res = client.post(app.url("/graphql")).bearer_auth(&sync).header("content-type", "application/json").body(body).send().await.unwrap();
            let status = res.status().as_u16();
            let json: Value = res.json().await.unwrap();
            match mib {
                // About 7,000 records with URLs and hashes: synced.
                3 => assert_eq!((status, &json["data"]["syncCouncilData"]["applied"]), (200, &json!(true)), "{}", json["errors"]),
                // Read whole: too many records for one batch, which it says (not 413).
                10 => {
                    assert_eq!(status, 200);
                    assert!(json["errors"][0]["message"].as_str().unwrap_or_default().contains("at most 10000 records"), "{json}");
                }
                _ => {
                    assert_eq!(status, 413);
                    assert!(json["errors"][0]["message"].as_str().unwrap().contains("SVH_MAX_BODY_BYTES"), "{json}");
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn get_runs_queries_for_json_clients_and_never_mutations() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        let client = reqwest::Client::new();
        let tok = token("council_viewer", &["LIV"]);
        let res = client
            .get(app.url("/graphql"))
            .query(&[
                ("query", "query($c: String) { viewer { role } measures(themeCode: $c) { code } t: themes { code } }"),
                ("variables", "{\"c\": \"JOBS\"}"),
            ])
            .bearer_auth(&tok)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["data"]["viewer"]["role"], "council_viewer", "{body}");

        let res = client
            .get(app.url("/graphql"))
            .query(&[("query", "mutation { upsertTheme(input: {code: \"X\", name: \"X\"}) { code } }")])
            .bearer_auth(token("regional_admin", &[]))
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "POST");
        let body: Value = res.json().await.unwrap();
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("queries only"), "{body}");
        let d = app.ok(&tok, "{ themes { code } }", json!({})).await;
        assert!(!d["themes"].as_array().unwrap().iter().any(|t| t["code"] == "X"), "a mutation ran over GET");

        // Without a token, a GET query is 401 like a POST.
        let res = client.get(app.url("/graphql")).query(&[("query", "{ viewer { role } }")]).header("accept", "application/json").send().await.unwrap();
        assert_eq!(res.status(), 401);
    })
    .await;
}

#[tokio::test]
async fn graphql_response_json_makes_request_errors_400_and_keeps_field_errors_200() {
    on_each_backend(|app| async move {
        let client = reqwest::Client::new();
        let tok = token("council_viewer", &["LIV"]);
        let post =
            |query: &str, accept: &str| client.post(app.url("/graphql")).bearer_auth(&tok).header("accept", accept).json(&json!({"query": query})).send();
        let media = "application/graphql-response+json";
        for bad in ["{ viewer { ", "{ noSuchField }", "{ viewer }"] {
            let res = post(bad, media).await.unwrap();
            assert_eq!(res.status(), 400, "{bad}");
            assert_eq!(res.headers()["content-type"], media);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
            // Legacy JSON clients keep the 200 they always had.
            let res = post(bad, "application/json").await.unwrap();
            assert_eq!(res.status(), 200, "{bad}");
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        }
        // A field error happens during execution: 200 with data.
        let res = post("{ viewer { role } auditChain { valid } }", media).await.unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
        assert_eq!(body["data"]["viewer"]["role"], "council_viewer");
    })
    .await;
}

#[tokio::test]
async fn graphiql_is_for_browsers_and_every_asset_it_needs_is_served_here() {
    on_each_backend(|app| async move {
        let client = reqwest::Client::new();
        let page = client.get(app.url("/graphql")).header("accept", "text/html,application/xhtml+xml,*/*;q=0.8").send().await.unwrap();
        assert_eq!(page.status(), 200);
        let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        let html = page.text().await.unwrap();
        // Every script and stylesheet is served by this service, none from another host.
        let mut assets = Vec::new();
        for attr in ["src=\"", "href=\""] {
            for part in html.split(attr).skip(1) {
                assets.push(part.split('"').next().unwrap().to_owned());
            }
        }
        assert!(assets.len() >= 5, "{html}");
        for asset in &assets {
            assert!(asset.starts_with('/') && !asset.starts_with("//"), "{asset} is not served by this service");
            let res = client.get(app.url(asset)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{asset}");
            assert!(res.bytes().await.unwrap().len() > 10, "{asset}");
        }
        assert!(!html.contains("<script>"), "an inline script would not run under the page's CSP");
        let start = client.get(app.url("/graphiql/start.js")).send().await.unwrap().text().await.unwrap();
        assert!(start.contains("Authorization"), "the header template is not pre-filled");
        // A JSON client asking GET /graphql for a query is not sent the page.
        let res = client.get(app.url("/graphql")).header("accept", "application/json").send().await.unwrap();
        assert_eq!(res.status(), 401);
    })
    .await;
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    for backend in backends() {
        for (origins, allowed) in [(vec![], false), (vec!["https://dash.example.gov.uk".to_owned()], true)] {
            let app = TestApp::spawn_with(backend.clone(), |c| c.http.cors_origins = origins.clone()).await;
            let client = reqwest::Client::new();
            let preflight = client
                .request(reqwest::Method::OPTIONS, app.url("/graphql"))
                .header("origin", "https://dash.example.gov.uk")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization,content-type")
                .send()
                .await
                .unwrap();
            let allow = preflight.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(allow.as_deref(), allowed.then_some("https://dash.example.gov.uk"), "{origins:?}");
            let other = client
                .post(app.url("/graphql"))
                .header("origin", "https://evil.example.com")
                .bearer_auth(token("dashboard", &[]))
                .json(&json!({"query": "{ councils { code } }"}))
                .send()
                .await
                .unwrap();
            assert!(other.headers().get("access-control-allow-origin").is_none());
        }
    }
}

#[tokio::test]
async fn responses_are_compressed_for_clients_that_accept_gzip_br_or_zstd() {
    on_each_backend(|app| async move {
        seed_framework(&app).await;
        app.ok(&token("council_sync", &["LIV"]), SYNC, json!({"input": small_batch("LIV")})).await;
        // The tests' reqwest has no decompression features: bodies arrive as sent.
        let client = reqwest::Client::new();
        let query = json!({"query": "{ __schema { types { name fields { name description } } } }"});
        let plain = client.post(app.url("/graphql")).bearer_auth(token("dashboard", &[])).json(&query).send().await.unwrap().bytes().await.unwrap();
        let expected: Value = serde_json::from_slice(&plain).unwrap();
        for encoding in ["gzip", "br", "zstd"] {
            let res =
                client.post(app.url("/graphql")).bearer_auth(token("dashboard", &[])).header("accept-encoding", encoding).json(&query).send().await.unwrap();
            assert_eq!(res.headers()["content-encoding"], encoding);
            let bytes = res.bytes().await.unwrap();
            assert!(bytes.len() * 3 < plain.len(), "{encoding}: {} of {}", bytes.len(), plain.len());
            let mut out = Vec::new();
            match encoding {
                "gzip" => flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap(),
                "br" => brotli::Decompressor::new(&bytes[..], 4096).read_to_end(&mut out).unwrap(),
                _ => zstd::stream::read::Decoder::new(&bytes[..]).unwrap().read_to_end(&mut out).unwrap(),
            };
            assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), expected, "{encoding}");
        }
    })
    .await;
}

#[tokio::test]
async fn compression_can_be_switched_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.http.compression = false).await;
    let res = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(token("dashboard", &[]))
        .header("accept-encoding", "gzip, br, zstd")
        .json(&json!({"query": "{ __schema { types { name } } }"}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert!(res.json::<Value>().await.unwrap()["data"]["__schema"].is_object());
}

#[tokio::test]
async fn a_request_past_its_time_is_abandoned_with_503_and_writes_nothing() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |c| c.http.request_timeout_secs = 1).await;
        seed_framework(&app).await;
        let body = body_of(2_600_000);
        let mut request: Value = serde_json::from_slice(&body).unwrap();
        request["variables"]["input"]["evidence"].as_array_mut().unwrap().truncate(10_000 - 5);
        // Another writer holds the write lock past the limit (SQLite's, or the feed's advisory
        // lock on PostgreSQL), so that the sync cannot finish in time however fast the machine.
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let other = sea_orm::Database::connect(app.database_url.as_str()).await.unwrap();
        let immediate = sea_orm::TransactionOptions { sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate), ..Default::default() };
        let holder = other.begin_with_options(immediate).await.unwrap();
        if holder.get_database_backend() == sea_orm::DbBackend::Postgres {
            holder.execute_unprepared("SELECT pg_advisory_xact_lock(7243012)").await.unwrap();
        }
        let started = std::time::Instant::now();
        let res = reqwest::Client::new().post(app.url("/graphql")).bearer_auth(token("council_sync", &["LIV"])).json(&request).send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        holder.rollback().await.unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "the timeout did not cut the request short");
        assert_eq!(status, 503, "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("SVH_REQUEST_TIMEOUT_SECS"), "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let d = app.ok(&token("auditor", &[]), "{ contracts { totalCount } evidence { totalCount } }", json!({})).await;
        assert_eq!(d, json!({"contracts": {"totalCount": 0}, "evidence": {"totalCount": 0}}));
    }
}

#[tokio::test]
async fn postgresql_statements_are_cancelled_at_the_request_timeout_or_their_own() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    for backend in backends() {
        if matches!(backend, Backend::Sqlite) {
            continue; // SQLite has no statement timeout; the request timeout alone applies.
        }
        let app = TestApp::spawn_with(backend.clone(), |c| c.http.request_timeout_secs = 7).await;
        let show = Statement::from_string(DbBackend::Postgres, "SHOW statement_timeout");
        let row = app.db.query_one_raw(show.clone()).await.unwrap().unwrap();
        assert_eq!(row.try_get::<String>("", "statement_timeout").unwrap(), "7s");

        let app = TestApp::spawn_with(backend, |c| c.http.db_statement_timeout_secs = Some(1)).await;
        let started = std::time::Instant::now();
        let err = app.db.execute_unprepared("SELECT pg_sleep(3)").await.unwrap_err();
        assert!(err.to_string().contains("statement timeout"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
    }
}
