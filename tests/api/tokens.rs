//! Tokens from an identity provider: RS256 and EdDSA public keys, a JWKS
//! with keys chosen by `kid`, issuer and audience enforced, a small leeway,
//! and the algorithm pinned to the key.

use std::path::PathBuf;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::*;

const ISSUER: &str = "https://idp.region.example";
const AUDIENCE: &str = "social-value-hub";

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys").join(name)
}

fn claims(exp: i64) -> Value {
    json!({"sub": "officer@halton.gov.uk", "role": "council_viewer", "councils": ["HAL"], "exp": exp, "iss": ISSUER, "aud": AUDIENCE})
}

/// A token signed with one of the fixture private keys.
fn signed(algorithm: Algorithm, private_key: &str, kid: Option<&str>, claims: &Value) -> String {
    let pem = std::fs::read(key_file(private_key)).unwrap();
    let key = match algorithm {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem).unwrap(),
        _ => unreachable!(),
    };
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &key).unwrap()
}

async fn status(app: &TestApp, token: &str) -> u16 {
    app.gql(Some(token), "{ viewer { subject role } }", json!({})).await.0
}

async fn provider_app(backend: Backend, public_key: Option<&str>, jwks: Option<&str>) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.jwt_secret = None;
        c.tokens.jwt_public_key_file = public_key.map(key_file);
        c.tokens.jwt_jwks_file = jwks.map(key_file);
        c.tokens.jwt_issuer = Some(ISSUER.into());
        c.tokens.jwt_audience = Some(AUDIENCE.into());
        c.tokens.jwt_leeway_secs = 10;
    })
    .await
}

#[tokio::test]
async fn rs256_tokens_from_a_public_key_with_issuer_audience_and_leeway() {
    for backend in backends() {
        let app = provider_app(backend, Some("rsa1.pub"), None).await;
        let now = in_an_hour() - 3600;
        let good = signed(Algorithm::RS256, "rsa1.key", None, &claims(now + 600));
        let (code, body) = app.gql(Some(&good), "{ viewer { subject role councils } }", json!({})).await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["data"]["viewer"], json!({"subject": "officer@halton.gov.uk", "role": "council_viewer", "councils": ["HAL"]}));

        // Within the leeway, and beyond it.
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa1.key", None, &claims(now - 3))).await, 200);
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa1.key", None, &claims(now - 60))).await, 401);

        // Issuer and audience are enforced, and required.
        for (claim, value) in [("iss", json!("https://evil.example")), ("aud", json!("another-service")), ("iss", Value::Null), ("aud", Value::Null)] {
            let mut c = claims(now + 600);
            if value.is_null() {
                c.as_object_mut().unwrap().remove(claim);
            } else {
                c[claim] = value;
            }
            assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa1.key", None, &c)).await, 401, "{claim}");
        }

        // Another key's signature, and the classic confusion: HS256 "signed" with the public key.
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa2.key", None, &claims(now + 600))).await, 401);
        let public_pem = std::fs::read(key_file("rsa1.pub")).unwrap();
        let confused = encode(&Header::new(Algorithm::HS256), &claims(now + 600), &EncodingKey::from_secret(&public_pem)).unwrap();
        let (code, body) = app.gql(Some(&confused), "{ viewer { subject } }", json!({})).await;
        assert_eq!((code, body["errors"][0]["extensions"]["code"].clone()), (401, json!("UNAUTHENTICATED")));
        // A shared-secret token from the tests' usual secret means nothing here.
        assert_eq!(status(&app, &token("auditor", &[])).await, 401);
    }
}

#[tokio::test]
async fn eddsa_tokens_from_a_public_key() {
    for backend in backends() {
        let app = provider_app(backend, Some("ed.pub"), None).await;
        let exp = in_an_hour();
        assert_eq!(status(&app, &signed(Algorithm::EdDSA, "ed.key", None, &claims(exp))).await, 200);
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa1.key", None, &claims(exp))).await, 401);
    }
}

#[tokio::test]
async fn a_jwks_chooses_the_key_by_kid_so_keys_can_rotate() {
    for backend in backends() {
        let app = provider_app(backend, None, Some("jwks.json")).await;
        let c = claims(in_an_hour());
        // The old and the new RSA key, and an Ed25519 key, each by its kid.
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa1.key", Some("rsa-2026-1"), &c)).await, 200);
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa2.key", Some("rsa-2026-2"), &c)).await, 200);
        assert_eq!(status(&app, &signed(Algorithm::EdDSA, "ed.key", Some("ed-2026-1"), &c)).await, 200);
        // A kid that names another key, an unknown kid, no kid, and an algorithm the key does not have.
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa2.key", Some("rsa-2026-1"), &c)).await, 401);
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa1.key", Some("rsa-2025-9"), &c)).await, 401);
        assert_eq!(status(&app, &signed(Algorithm::RS256, "rsa1.key", None, &c)).await, 401);
        assert_eq!(status(&app, &signed(Algorithm::EdDSA, "ed.key", Some("rsa-2026-1"), &c)).await, 401);
    }
}

/// `SVH_JWT_ROLE_CLAIM` and `SVH_JWT_COUNCILS_CLAIM` as identity providers
/// shape their tokens: Entra ID's `roles` array beside a namespaced
/// councils claim, and Keycloak's `realm_access.roles` beside a nested one.
#[tokio::test]
async fn role_and_councils_claims_are_read_where_entra_id_and_keycloak_put_them() {
    let exp = in_an_hour();
    let base = |extra: Value| {
        let mut c = json!({"sub": "officer@halton.gov.uk", "exp": exp, "iss": ISSUER, "aud": AUDIENCE});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        c
    };
    for backend in backends() {
        // Entra ID: app roles in `roles`, the first one this service knows counts.
        let entra = TestApp::spawn_with(backend.clone(), |c| {
            c.jwt_secret = None;
            c.tokens.jwt_public_key_file = Some(key_file("rsa1.pub"));
            c.tokens.jwt_issuer = Some(ISSUER.into());
            c.tokens.jwt_audience = Some(AUDIENCE.into());
            c.tokens.jwt_role_claim = "roles".into();
            c.tokens.jwt_councils_claim = "https://hub.region.example/councils".into();
        })
        .await;
        let token = signed(
            Algorithm::RS256,
            "rsa1.key",
            None,
            &base(json!({"roles": ["Task.Read", "council_viewer"], "https://hub.region.example/councils": ["HAL"]})),
        );
        let (code, body) = entra.gql(Some(&token), "{ viewer { role councils } }", json!({})).await;
        assert_eq!((code, &body["data"]["viewer"]), (200, &json!({"role": "council_viewer", "councils": ["HAL"]})), "{body}");
        // No role of this service among them, a role that is not text, and the default claim names ignored.
        for claims in [
            json!({"roles": ["Task.Read"], "https://hub.region.example/councils": ["HAL"]}),
            json!({"roles": 7}),
            json!({"role": "auditor"}),
            json!({"roles": ["council_viewer"], "councils": ["HAL"]}),
        ] {
            let (code, body) = entra.gql(Some(&signed(Algorithm::RS256, "rsa1.key", None, &base(claims.clone()))), "{ viewer { role } }", json!({})).await;
            assert_eq!((code, body["errors"][0]["extensions"]["code"].clone()), (401, json!("UNAUTHENTICATED")), "{claims} {body}");
        }

        // Keycloak: realm roles nested under `realm_access`, councils from a mapper at a nested path.
        let keycloak = TestApp::spawn_with(backend, |c| {
            c.jwt_secret = None;
            c.tokens.jwt_public_key_file = Some(key_file("rsa1.pub"));
            c.tokens.jwt_issuer = Some(ISSUER.into());
            c.tokens.jwt_audience = Some(AUDIENCE.into());
            c.tokens.jwt_role_claim = "realm_access.roles".into();
            c.tokens.jwt_councils_claim = "svh.councils".into();
        })
        .await;
        let claims = json!({"realm_access": {"roles": ["offline_access", "uma_authorization", "council_viewer"]}, "svh": {"councils": ["KNO", "HAL"]}});
        let (code, body) = keycloak.gql(Some(&signed(Algorithm::RS256, "rsa1.key", None, &base(claims))), "{ viewer { role councils } }", json!({})).await;
        assert_eq!((code, &body["data"]["viewer"]), (200, &json!({"role": "council_viewer", "councils": ["KNO", "HAL"]})), "{body}");
        // A council role without the councils at that path is refused; a regional role needs none.
        let no_councils = json!({"realm_access": {"roles": ["council_viewer"]}, "councils": ["HAL"]});
        assert_eq!(status(&keycloak, &signed(Algorithm::RS256, "rsa1.key", None, &base(no_councils))).await, 401);
        let auditor = json!({"realm_access": {"roles": ["auditor"]}});
        assert_eq!(status(&keycloak, &signed(Algorithm::RS256, "rsa1.key", None, &base(auditor))).await, 200);
    }
}

/// A provider's JWKS published at a URL, served here by a real HTTP server
/// that rotates its key mid-run: fetched at the first token and cached; a
/// token of the new key is refused until a minute has passed since the
/// last fetch, then fetches once and passes; the retired key then fails;
/// and a made-up kid fetches nothing within the minute.
#[tokio::test]
async fn a_jwks_url_is_cached_and_fetched_again_for_an_unknown_kid_at_most_once_a_minute() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    let all: Value = serde_json::from_str(&std::fs::read_to_string(key_file("jwks.json")).unwrap()).unwrap();
    // As Keycloak publishes them: the signing key beside an encryption key, which is passed over.
    let only = |kid: &str| {
        let mut keys: Vec<Value> = all["keys"].as_array().unwrap().iter().filter(|k| k["kid"] == kid).cloned().collect();
        let mut enc = keys[0].clone();
        enc["kid"] = json!("enc-key");
        enc["use"] = json!("enc");
        enc["alg"] = json!("RSA-OAEP");
        keys.push(enc);
        json!({"keys": keys})
    };
    let c = claims(in_an_hour());
    let old = signed(Algorithm::RS256, "rsa1.key", Some("rsa-2026-1"), &c);
    let new = signed(Algorithm::RS256, "rsa2.key", Some("rsa-2026-2"), &c);
    let made_up = signed(Algorithm::RS256, "rsa1.key", Some("no-such-key"), &c);

    let run = |backend: Backend| {
        let (old, new, made_up, first, second) = (old.clone(), new.clone(), made_up.clone(), only("rsa-2026-1"), only("rsa-2026-2"));
        async move {
            let published = Arc::new(Mutex::new(first));
            let fetches = Arc::new(AtomicUsize::new(0));
            let (p, f) = (published.clone(), fetches.clone());
            let provider = axum::Router::new().route(
                "/keys",
                axum::routing::get(move || {
                    let (p, f) = (p.clone(), f.clone());
                    async move {
                        f.fetch_add(1, Ordering::SeqCst);
                        axum::Json(p.lock().unwrap().clone())
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/keys", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, provider).await.unwrap() });
            let app = TestApp::spawn_with(backend, |cfg| {
                cfg.jwt_secret = None;
                cfg.tokens.jwt_jwks_url = Some(url);
                cfg.tokens.jwt_issuer = Some(ISSUER.into());
                cfg.tokens.jwt_audience = Some(AUDIENCE.into());
            })
            .await;
            assert_eq!(fetches.load(Ordering::SeqCst), 0, "nothing is fetched before a token needs it");
            assert_eq!(status(&app, &old).await, 200);
            assert_eq!(status(&app, &old).await, 200);
            assert_eq!(fetches.load(Ordering::SeqCst), 1, "the keys are cached");

            // The provider rotates: the new key is not fetched for within the minute.
            *published.lock().unwrap() = second;
            assert_eq!(status(&app, &new).await, 401);
            assert_eq!(status(&app, &old).await, 200, "the cached key still verifies");
            assert_eq!(fetches.load(Ordering::SeqCst), 1);

            tokio::time::sleep(std::time::Duration::from_secs(61)).await;
            assert_eq!(status(&app, &new).await, 200, "an unknown kid fetches again after a minute");
            assert_eq!(fetches.load(Ordering::SeqCst), 2);
            assert_eq!(status(&app, &old).await, 401, "the retired key is gone with the fetch");
            assert_eq!(status(&app, &made_up).await, 401);
            assert_eq!(status(&app, &made_up).await, 401);
            assert_eq!(fetches.load(Ordering::SeqCst), 2, "made-up kids fetch nothing within the minute");
        }
    };
    // Both backends at once: the minute is waited for once.
    futures::future::join_all(backends().into_iter().map(run)).await;
}
