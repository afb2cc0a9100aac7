//! Bearer tokens: verification with a pinned algorithm, and minting for the
//! `token` command and the demo.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    // Off by default in jsonwebtoken: a token not yet valid must not read data.
    v.validate_nbf = true;
    v
}

/// Longest `Authorization` header read: an identity provider's tokens are a
/// few kilobytes at most.
pub const MAX_AUTHORIZATION_BYTES: usize = 16 * 1024;

/// The reason a token was refused, in words a person can act on (never the
/// library's variant names).
fn explain(e: &jsonwebtoken::errors::Error, token: &str) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    let claim_time = |name: &str| {
        jsonwebtoken::dangerous::insecure_decode_claims::<serde_json::Value>(token)
            .ok()
            .and_then(|c| c.get(name).and_then(serde_json::Value::as_i64))
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| "an unreadable time".into())
    };
    match e.kind() {
        K::ExpiredSignature => format!("the token expired at {}", claim_time("exp")),
        K::ImmatureSignature => format!("the token is not valid before {}", claim_time("nbf")),
        K::InvalidSignature => "the token's signature does not match its content and this service's key".into(),
        K::InvalidAlgorithm | K::MissingAlgorithm => "the token is signed with an algorithm this service does not accept".into(),
        K::InvalidIssuer => "the token's issuer (iss) is not the one this service trusts".into(),
        K::InvalidAudience => "the token is not meant for this service (aud)".into(),
        K::InvalidSubject => "the token's subject (sub) is not accepted".into(),
        K::MissingRequiredClaim(claim) => format!("the token has no {claim} claim"),
        K::InvalidClaimFormat(claim) => format!("the token's {claim} claim has the wrong type"),
        K::Json(_) => "the token's claims are not the JSON this service expects (sub, exp and role as text and numbers, councils as a list)".into(),
        K::Base64(_) | K::Utf8(_) | K::InvalidToken => "the token is not a well-formed JWT (three base64url parts separated by dots)".into(),
        _ => "the token cannot be verified".into(),
    }
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
    One(Arc<Key>),
    /// A JWKS: the token's `kid` chooses the key.
    ByKid(HashMap<String, Arc<Key>>),
    /// A JWKS at a URL, fetched as tokens need it.
    Remote(Box<RemoteKeys>),
}

/// How often an unknown `kid` may fetch a JWKS again: a provider rotates
/// keys rarely, and a flood of made-up kids must not become a flood of
/// requests to it.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// A JWKS at a URL, with the keys fetched last and when.
struct RemoteKeys {
    url: reqwest::Url,
    client: reqwest::Client,
    config: TokenConfig,
    /// Held while fetching, so that tokens arriving meanwhile wait for the one fetch.
    cache: tokio::sync::Mutex<Fetched>,
}

/// The keys fetched last, by kid, and when that fetch began (None: never).
#[derive(Default)]
struct Fetched {
    keys: HashMap<String, Arc<Key>>,
    at: Option<Instant>,
}

impl RemoteKeys {
    fn new(url: &str, config: &TokenConfig) -> anyhow::Result<Self> {
        let url = reqwest::Url::parse(url).with_context(|| format!("SVH_JWT_JWKS_URL {url:?} is not a URL"))?;
        let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        anyhow::ensure!(url.scheme() == "https" || (url.scheme() == "http" && loopback), "SVH_JWT_JWKS_URL must be https (http only on loopback), got {url}");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        Ok(Self { url, client, config: config.clone(), cache: tokio::sync::Mutex::new(Fetched::default()) })
    }

    /// The key `kid` names: from the cache, else from a fresh fetch when
    /// none happened in the last minute.
    async fn key(&self, kid: &str) -> Result<Arc<Key>, TokenError> {
        let mut cache = self.cache.lock().await;
        if let Some(key) = cache.keys.get(kid) {
            return Ok(key.clone());
        }
        if cache.at.is_some_and(|at| at.elapsed() < REFETCH_AFTER) {
            return Err(TokenError::Invalid(format!("the token names a key the identity provider does not publish: {kid:?}")));
        }
        cache.at = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "fetched the identity provider's keys");
                cache.keys = keys;
            }
            Err(e) => {
                tracing::warn!(url = %self.url, error = %format!("{e:#}"), "could not fetch the identity provider's keys");
                return Err(TokenError::Invalid("the identity provider's keys could not be fetched".into()));
            }
        }
        cache.keys.get(kid).cloned().ok_or_else(|| TokenError::Invalid(format!("the token names a key the identity provider does not publish: {kid:?}")))
    }

    async fn fetch(&self) -> anyhow::Result<HashMap<String, Arc<Key>>> {
        let response = self.client.get(self.url.clone()).send().await?.error_for_status()?;
        let set: JwkSet = response.json().await.context("the response is not a JWKS document")?;
        jwks_keys(&set, self.url.as_str(), &self.config, false)
    }
}

/// The signing keys of a JWKS by kid, each with the one algorithm its
/// type allows. Encryption keys (`"use": "enc"`, which Keycloak publishes
/// beside its signing keys) are passed over; any other key this service
/// cannot verify with is an error in a file (`strict`) and passed over,
/// with a warning, from a provider's URL, where it may sign other clients' tokens.
fn jwks_keys(set: &JwkSet, source: &str, config: &TokenConfig, strict: bool) -> anyhow::Result<HashMap<String, Arc<Key>>> {
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        if jwk.common.public_key_use == Some(jsonwebtoken::jwk::PublicKeyUse::Encryption) {
            continue;
        }
        let kid = jwk.common.key_id.clone().with_context(|| format!("a key in {source} has no kid"))?;
        let algorithm = match (&jwk.common.key_algorithm, &jwk.algorithm) {
            (Some(KeyAlgorithm::RS256), _) | (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
            (Some(KeyAlgorithm::EdDSA), _) | (None, AlgorithmParameters::OctetKeyPair(_)) => Algorithm::EdDSA,
            _ if strict => anyhow::bail!("key {kid} in {source}: only RS256 and EdDSA keys are accepted"),
            _ => {
                tracing::warn!(kid, source, "passing over a key that is neither RS256 nor EdDSA");
                continue;
            }
        };
        let key = DecodingKey::from_jwk(jwk).with_context(|| format!("key {kid} in {source}"))?;
        keys.insert(kid, Arc::new(Key { key, validation: validation(algorithm, config) }));
    }
    anyhow::ensure!(!keys.is_empty(), "{source} holds no keys");
    Ok(keys)
}

pub struct TokenVerifier {
    keys: Keys,
    role_claim: String,
    councils_claim: String,
}

/// The claim `name` names: a top-level claim of that name (a namespaced
/// one such as `https://hub.example/councils` has dots of its own), else
/// the dotted path through nested objects.
fn claim<'a>(claims: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    claims.get(name).or_else(|| name.split('.').try_fold(claims, |v, part| v.get(part)))
}

/// The role a role claim gives: the text, or the first text of an array
/// that is a role of this service (identity providers list several).
fn role_of(value: Option<&serde_json::Value>, name: &str) -> Result<Role, TokenError> {
    use serde_json::Value;
    match value {
        Some(Value::String(text)) => Role::parse(text).ok_or_else(|| TokenError::Invalid(format!("the token's role {text:?} is not a role of this service"))),
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(Value::as_str)
            .find_map(Role::parse)
            .ok_or_else(|| TokenError::Invalid(format!("none of the token's roles in {name} is a role of this service"))),
        Some(_) => Err(TokenError::Invalid(format!("the token's role claim {name} is neither text nor a list of texts"))),
        None => Err(TokenError::Invalid(format!("the token has no {name} claim"))),
    }
}

/// The councils a councils claim lists, if it is there.
fn councils_of(value: Option<&serde_json::Value>, name: &str) -> Result<Option<Vec<String>>, TokenError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|_| TokenError::Invalid(format!("the token's councils claim {name} is not a list of council codes"))),
    }
}

impl TokenVerifier {
    /// The verifier the configuration names: exactly one of a shared secret,
    /// a PEM public key, a JWKS file or a JWKS URL.
    pub fn from_config(secret: Option<&Secret>, config: &TokenConfig) -> anyhow::Result<Self> {
        let keys = match (secret, &config.jwt_public_key_file, &config.jwt_jwks_file, &config.jwt_jwks_url) {
            (Some(secret), None, None, None) => {
                Keys::One(Arc::new(Key { key: DecodingKey::from_secret(secret.expose().as_bytes()), validation: validation(Algorithm::HS256, config) }))
            }
            (None, Some(path), None, None) => {
                let pem = std::fs::read(path).with_context(|| format!("reading SVH_JWT_PUBLIC_KEY_FILE {}", path.display()))?;
                // The key's type decides the one algorithm accepted.
                let (algorithm, key) = match (DecodingKey::from_rsa_pem(&pem), DecodingKey::from_ed_pem(&pem)) {
                    (Ok(key), _) => (Algorithm::RS256, key),
                    (_, Ok(key)) => (Algorithm::EdDSA, key),
                    _ => anyhow::bail!("{} holds no RSA or Ed25519 public key in PEM", path.display()),
                };
                Keys::One(Arc::new(Key { key, validation: validation(algorithm, config) }))
            }
            (None, None, Some(path), None) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading SVH_JWT_JWKS_FILE {}", path.display()))?;
                let set: JwkSet = serde_json::from_str(&text).with_context(|| format!("{} is not a JWKS document", path.display()))?;
                Keys::ByKid(jwks_keys(&set, &path.display().to_string(), config, true)?)
            }
            (None, None, None, Some(url)) => Keys::Remote(Box::new(RemoteKeys::new(url, config)?)),
            (None, None, None, None) => anyhow::bail!("no token key: set SVH_JWT_SECRET, SVH_JWT_PUBLIC_KEY_FILE, SVH_JWT_JWKS_FILE or SVH_JWT_JWKS_URL"),
            _ => anyhow::bail!("set only one of SVH_JWT_SECRET, SVH_JWT_PUBLIC_KEY_FILE, SVH_JWT_JWKS_FILE and SVH_JWT_JWKS_URL"),
        };
        Ok(Self { keys, role_claim: config.jwt_role_claim.clone(), councils_claim: config.jwt_councils_claim.clone() })
    }

    async fn key_for(&self, token: &str) -> Result<Arc<Key>, TokenError> {
        let header = decode_header(token).map_err(|e| TokenError::Invalid(explain(&e, token)))?;
        // RFC 7515 §4.1.11: a token whose critical extensions the recipient
        // does not understand must be rejected; this service understands none.
        if let Some(crit) = &header.crit {
            return Err(TokenError::Invalid(format!("the token's header names critical extensions this service does not understand: {}", crit.join(", "))));
        }
        let kid = || header.kid.clone().ok_or_else(|| TokenError::Invalid("the token names no key (kid)".into()));
        match &self.keys {
            Keys::One(key) => Ok(key.clone()),
            Keys::ByKid(keys) => {
                let kid = kid()?;
                keys.get(&kid).cloned().ok_or_else(|| TokenError::Invalid(format!("the token names a key this service does not know: {kid:?}")))
            }
            Keys::Remote(remote) => remote.key(&kid()?).await,
        }
    }

    /// Verifies an `Authorization` header value and returns the caller.
    pub async fn principal(&self, authorization: Option<&str>) -> Result<Principal, TokenError> {
        Ok(self.principal_until(authorization).await?.0)
    }

    /// [`principal`](Self::principal), and when the token expires (its
    /// `exp`, seconds since 1970), for a connection that outlives a request.
    pub async fn principal_until(&self, authorization: Option<&str>) -> Result<(Principal, i64), TokenError> {
        let header = authorization.ok_or(TokenError::Missing)?;
        if header.len() > MAX_AUTHORIZATION_BYTES {
            return Err(TokenError::Invalid(format!("the Authorization header is longer than {MAX_AUTHORIZATION_BYTES} bytes")));
        }
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| TokenError::Invalid("expected `Authorization: Bearer <token>`".into()))?;
        let token = token.trim();
        let key = self.key_for(token).await?;
        let claims = decode::<serde_json::Value>(token, &key.key, &key.validation).map_err(|e| TokenError::Invalid(explain(&e, token)))?.claims;
        let sub = claims.get("sub").and_then(serde_json::Value::as_str).ok_or_else(|| TokenError::Invalid("the token's sub claim is not text".into()))?;
        let role = role_of(claim(&claims, &self.role_claim), &self.role_claim)?;
        if sub.trim().is_empty() || sub.chars().any(char::is_control) {
            return Err(TokenError::Invalid("the token's subject (sub) is empty or holds control characters".into()));
        }
        let councils = if role.is_council_role() {
            match councils_of(claim(&claims, &self.councils_claim), &self.councils_claim)? {
                Some(c) if !c.is_empty() => {
                    if let Some(Err(reason)) = c.iter().map(|code| crate::domain::code::check("the councils claim holds", code)).find(Result::is_err) {
                        return Err(TokenError::Invalid(reason));
                    }
                    c
                }
                _ => return Err(TokenError::Invalid(format!("role {} needs a non-empty councils claim", role.as_str()))),
            }
        } else {
            Vec::new()
        };
        // Required and checked by the validation above.
        let exp = claims.get("exp").and_then(serde_json::Value::as_i64).unwrap_or(0);
        Ok((Principal { subject: sub.to_owned(), role, councils }, exp))
    }
}

pub struct TokenSigner {
    key: EncodingKey,
}

impl TokenSigner {
    pub fn hs256(secret: &Secret) -> Self {
        Self { key: EncodingKey::from_secret(secret.expose().as_bytes()) }
    }

    /// A token for `principal` that expires `ttl` from now; refused when
    /// that instant cannot be written (a lifetime that overflows).
    pub fn sign(&self, principal: &Principal, ttl: std::time::Duration) -> anyhow::Result<String> {
        let exp = i64::try_from(ttl.as_secs())
            .ok()
            .and_then(|secs| chrono::Utc::now().timestamp().checked_add(secs))
            .filter(|exp| chrono::DateTime::from_timestamp(*exp, 0).is_some())
            .ok_or_else(|| anyhow::anyhow!("a lifetime of {} is too long to write as an expiry time", humantime::format_duration(ttl)))?;
        let claims = Claims {
            sub: principal.subject.clone(),
            exp,
            role: principal.role.as_str().to_owned(),
            councils: principal.role.is_council_role().then(|| principal.councils.clone()),
        };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &self.key)?)
    }
}
