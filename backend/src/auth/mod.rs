//! Authentication building blocks: password policy and hashing. Sessions, tokens and OAuth build on these.

pub mod password;
pub mod tokens;
