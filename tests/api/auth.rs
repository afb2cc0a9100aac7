//! Authentication: every bad or missing token is HTTP 401 UNAUTHENTICATED.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::helpers::*;

const VIEWER: &str = "{ viewer { subject role councils } }";

#[tokio::test]
async fn bad_tokens_are_unauthenticated() {
    on_each_backend(|app| async move {
        let now = chrono::Utc::now().timestamp();
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(json!({"sub":"x","exp":now+3600,"role":"auditor"}).to_string())
        );
        let wrong_key = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &json!({"sub":"x","exp":now+3600,"role":"auditor"}),
            &jsonwebtoken::EncodingKey::from_secret(b"some-other-secret-entirely"),
        )
        .unwrap();
        let cases: Vec<(&str, Option<String>)> = vec![
            ("no token", None),
            ("garbage", Some("not-a-jwt".into())),
            ("alg none", Some(unsigned)),
            ("wrong signature", Some(wrong_key)),
            ("expired", Some(sign(json!({"sub":"x","exp":now-3600,"role":"auditor"})))),
            ("no exp", Some(sign(json!({"sub":"x","role":"auditor"})))),
            ("no sub", Some(sign(json!({"exp":now+3600,"role":"auditor"})))),
            ("no role", Some(sign(json!({"sub":"x","exp":now+3600})))),
            ("unknown role", Some(sign(json!({"sub":"x","exp":now+3600,"role":"superuser"})))),
            ("council role without councils", Some(sign(json!({"sub":"x","exp":now+3600,"role":"council_viewer"})))),
            ("council role with empty councils", Some(sign(json!({"sub":"x","exp":now+3600,"role":"council_viewer","councils":[]})))),
        ];
        for (name, tok) in cases {
            let (status, body) = app.gql(tok.as_deref(), VIEWER, json!({})).await;
            assert_eq!(status, 401, "{name}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{name}: {body}");
            assert!(body.get("data").is_none_or(|d| d.is_null()), "{name}: {body}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_good_token_identifies_the_caller() {
    on_each_backend(|app| async move {
        let data = app.ok(&token_for("alice@liverpool.gov.uk", "council_editor", &["LIV"]), VIEWER, json!({})).await;
        assert_eq!(data["viewer"], json!({"subject":"alice@liverpool.gov.uk","role":"council_editor","councils":["LIV"]}));
        // Regional roles ignore a councils claim.
        let data = app.ok(&token("auditor", &["LIV"]), VIEWER, json!({})).await;
        assert_eq!(data["viewer"]["councils"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn health_and_graphiql_need_no_token() {
    on_each_backend(|app| async move {
        let client = reqwest::Client::new();
        for path in ["/healthz", "/readyz", "/metrics"] {
            assert_eq!(client.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
        }
        let page = client.get(app.url("/graphql")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
    })
    .await;
}

#[tokio::test]
async fn only_json_requests_are_accepted() {
    on_each_backend(|app| async move {
        let client = reqwest::Client::new();
        let tok = token("auditor", &[]);
        let text = client
            .post(app.url("/graphql"))
            .bearer_auth(&tok)
            .header("content-type", "text/plain")
            .body(json!({ "query": VIEWER }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(text.status(), 415);
        let body: serde_json::Value = text.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    })
    .await;
}

/// HS256 over any header, as a provider that sets `crit` would sign.
fn signed_with_header(header: serde_json::Value, claims: serde_json::Value) -> String {
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).unwrap();
    format!("{input}.{signature}")
}

#[tokio::test]
async fn refused_tokens_say_why_in_words_and_401s_carry_a_bearer_challenge() {
    on_each_backend(|app| async move {
        let now = chrono::Utc::now().timestamp();
        let expired_at = now - 7200;
        let later = now + 3600;
        let claims = json!({"sub": "x", "exp": now + 7200, "role": "auditor"});
        let when = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let cases: Vec<(&str, Option<String>, String)> = vec![
            ("expired", Some(sign(json!({"sub":"x","exp":expired_at,"role":"auditor"}))), format!("the token expired at {}", when(expired_at))),
            (
                "not yet valid",
                Some(sign(json!({"sub":"x","exp":now+7200,"nbf":later,"role":"auditor"}))),
                format!("the token is not valid before {}", when(later)),
            ),
            ("crit", Some(signed_with_header(json!({"alg":"HS256","typ":"JWT","crit":["exp-ext"],"exp-ext":1}), claims.clone())), "critical extensions".into()),
            ("NUL in councils", Some(sign(json!({"sub":"x","exp":now+3600,"role":"council_viewer","councils":["LIV\u{0}"]}))), "councils claim".into()),
            ("huge header", Some("x".repeat(1_000_000)), "longer than".into()),
            ("no token", None, "missing bearer token".into()),
        ];
        for (name, tok, reason) in cases {
            let mut req = reqwest::Client::new().post(app.url("/graphql")).json(&json!({"query": VIEWER}));
            if let Some(t) = &tok {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 401, "{name}");
            let challenge = res.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            assert!(challenge.starts_with("Bearer"), "{name}: {challenge:?}");
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{name}: {body}");
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(&reason), "{name}: {message}");
            assert!(!message.contains("Signature") && !message.contains("ErrorKind"), "{name}: {message}");
        }
        // A token that became valid a minute ago reads.
        assert_eq!(app.gql(Some(&sign(json!({"sub":"x","exp":now+3600,"nbf":now-60,"role":"auditor"}))), VIEWER, json!({})).await.0, 200);
    })
    .await;
}
