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
