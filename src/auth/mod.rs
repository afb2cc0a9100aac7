//! Who is calling (JWT -> Principal) and what they may do (policy -> ReadScope).

pub mod policy;
pub mod token;

pub use policy::{Principal, ReadScope, Role};
pub use token::{Claims, TokenError, TokenSigner, TokenVerifier};
