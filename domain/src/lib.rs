//! Pure rules and types shared by the browser, the server and the worker.
//!
//! Nothing in this crate performs I/O; it compiles for `wasm32-unknown-unknown` as well as natively.

pub mod account;
pub mod admin;
pub mod analysis;
pub mod analytics;
pub mod billing;
pub mod captions;
pub mod cookie;
pub mod dashboard;
pub mod edit;
pub mod enums;
pub mod failure;
pub mod i18n;
pub mod keys;
pub mod media;
pub mod net;
pub mod plans;
pub mod publish;
pub mod teams;
pub mod timeline;
pub mod transcript;
pub mod upload;
pub mod videos;

pub use account::Email;
pub use enums::*;
pub use failure::Failure;
pub use i18n::{Dict, Lang};
pub use plans::{PLANS, Plan, format_rubles, group_digits};
pub use teams::Action;
