//! Bearer tokens: verification with a pinned algorithm, and minting for the
//! `token` command and the demo.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use super::policy::{Principal, Role};
use crate::config::Secret;

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

pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn hs256(secret: &Secret) -> Self {
        // Pin the algorithm: a token must be HS256, whatever its header says.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        Self { key: DecodingKey::from_secret(secret.expose().as_bytes()), validation }
    }

    /// Verifies an `Authorization` header value and returns the caller.
    pub fn principal(&self, authorization: Option<&str>) -> Result<Principal, TokenError> {
        let header = authorization.ok_or(TokenError::Missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| TokenError::Invalid("expected `Authorization: Bearer <token>`".into()))?;
        let claims = decode::<Claims>(token.trim(), &self.key, &self.validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?
            .claims;
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
