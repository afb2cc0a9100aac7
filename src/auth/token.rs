//! Bearer tokens: verification with a pinned algorithm, and minting for the
//! `token` command and the demo.

use std::collections::HashMap;

use anyhow::Context as _;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

use super::policy::{Principal, Role};
use crate::config::{Secret, TokenConfig};

/// Accepts exactly `algorithm`, whatever a token's header says: an HS256
/// token "signed" with a public key is refused. Requires `exp` and `sub`,
/// and `iss` / `aud` when configured.
fn validation(algorithm: Algorithm, config: &TokenConfig) -> Validation {
    let mut v = Validation::new(algorithm);
    let mut required = vec!["exp", "sub"];
    if let Some(iss) = &config.jwt_issuer {
        v.set_issuer(&[iss]);
        required.push("iss");
    }
    match &config.jwt_audience {
        Some(aud) => {
            v.set_audience(&[aud]);
            required.push("aud");
        }
        None => v.validate_aud = false,
    }
    v.set_required_spec_claims(&required);
    v.leeway = config.jwt_leeway_secs;
    v
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: i64,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub councils: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// One key a token may be signed with, and the validation that pins its algorithm.
struct Key {
    key: DecodingKey,
    validation: Validation,
}

enum Keys {
    One(Box<Key>),
    /// A JWKS: the token's `kid` chooses the key.
    ByKid(HashMap<String, Key>),
}

pub struct TokenVerifier {
    keys: Keys,
}

impl TokenVerifier {
    /// The verifier the configuration names: exactly one of a shared secret,
    /// a PEM public key or a JWKS file.
    pub fn from_config(secret: Option<&Secret>, config: &TokenConfig) -> anyhow::Result<Self> {
        let keys = match (secret, &config.jwt_public_key_file, &config.jwt_jwks_file) {
            (Some(secret), None, None) => Keys::One(Box::new(Key { key: DecodingKey::from_secret(secret.expose().as_bytes()), validation: validation(Algorithm::HS256, config) })),
            (None, Some(path), None) => {
                let pem = std::fs::read(path).with_context(|| format!("reading SVH_JWT_PUBLIC_KEY_FILE {}", path.display()))?;
                // The key's type decides the one algorithm accepted.
                let (algorithm, key) = match (DecodingKey::from_rsa_pem(&pem), DecodingKey::from_ed_pem(&pem)) {
                    (Ok(key), _) => (Algorithm::RS256, key),
                    (_, Ok(key)) => (Algorithm::EdDSA, key),
                    _ => anyhow::bail!("{} holds no RSA or Ed25519 public key in PEM", path.display()),
                };
                Keys::One(Box::new(Key { key, validation: validation(algorithm, config) }))
            }
            (None, None, Some(path)) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading SVH_JWT_JWKS_FILE {}", path.display()))?;
                let set: JwkSet = serde_json::from_str(&text).with_context(|| format!("{} is not a JWKS document", path.display()))?;
                let mut keys = HashMap::new();
                for jwk in &set.keys {
                    let kid = jwk.common.key_id.clone().with_context(|| format!("a key in {} has no kid", path.display()))?;
                    let algorithm = match (&jwk.common.key_algorithm, &jwk.algorithm) {
                        (Some(KeyAlgorithm::RS256), _) | (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
                        (Some(KeyAlgorithm::EdDSA), _) | (None, AlgorithmParameters::OctetKeyPair(_)) => Algorithm::EdDSA,
                        _ => anyhow::bail!("key {kid} in {}: only RS256 and EdDSA keys are accepted", path.display()),
                    };
                    let key = DecodingKey::from_jwk(jwk).with_context(|| format!("key {kid} in {}", path.display()))?;
                    keys.insert(kid, Key { key, validation: validation(algorithm, config) });
                }
                anyhow::ensure!(!keys.is_empty(), "{} holds no keys", path.display());
                Keys::ByKid(keys)
            }
            (None, None, None) => anyhow::bail!("no token key: set SVH_JWT_SECRET, SVH_JWT_PUBLIC_KEY_FILE or SVH_JWT_JWKS_FILE"),
            _ => anyhow::bail!("set only one of SVH_JWT_SECRET, SVH_JWT_PUBLIC_KEY_FILE and SVH_JWT_JWKS_FILE"),
        };
        Ok(Self { keys })
    }

    fn key_for(&self, token: &str) -> Result<&Key, TokenError> {
        match &self.keys {
            Keys::One(key) => Ok(key),
            Keys::ByKid(keys) => {
                let header = decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
                let kid = header.kid.ok_or_else(|| TokenError::Invalid("the token names no key (kid)".into()))?;
                keys.get(&kid).ok_or_else(|| TokenError::Invalid(format!("unknown key {kid:?}")))
            }
        }
    }

    /// Verifies an `Authorization` header value and returns the caller.
    pub fn principal(&self, authorization: Option<&str>) -> Result<Principal, TokenError> {
        let header = authorization.ok_or(TokenError::Missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| TokenError::Invalid("expected `Authorization: Bearer <token>`".into()))?;
        let token = token.trim();
        let key = self.key_for(token)?;
        let claims = decode::<Claims>(token, &key.key, &key.validation).map_err(|e| TokenError::Invalid(e.to_string()))?.claims;
        let role = Role::parse(&claims.role).ok_or_else(|| TokenError::Invalid(format!("unknown role {:?}", claims.role)))?;
        if claims.sub.trim().is_empty() {
            return Err(TokenError::Invalid("empty sub".into()));
        }
        let councils = if role.is_council_role() {
            match claims.councils {
                Some(c) if !c.is_empty() => c,
                _ => return Err(TokenError::Invalid(format!("role {} needs a non-empty councils claim", role.as_str()))),
            }
        } else {
            Vec::new()
        };
        Ok(Principal { subject: claims.sub, role, councils })
    }
}

pub struct TokenSigner {
    key: EncodingKey,
}

impl TokenSigner {
    pub fn hs256(secret: &Secret) -> Self {
        Self { key: EncodingKey::from_secret(secret.expose().as_bytes()) }
    }

    pub fn sign(&self, principal: &Principal, ttl: std::time::Duration) -> String {
        let claims = Claims {
            sub: principal.subject.clone(),
            exp: chrono::Utc::now().timestamp() + ttl.as_secs() as i64,
            role: principal.role.as_str().to_owned(),
            councils: principal.role.is_council_role().then(|| principal.councils.clone()),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.key).expect("HS256 signing cannot fail")
    }
}
