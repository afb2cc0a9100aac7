//! Who is calling (JWT -> Principal) and what they may do (policy -> Scope).

pub mod policy;
pub mod token;

pub use policy::{Principal, Role, Scope};
pub use token::{Claims, TokenError, TokenSigner, TokenVerifier};
