//! Pages, one module each.

mod admin;
mod analytics;
pub mod auth;
mod billing;
mod clips;
mod dashboard;
mod editor;
mod keys;
pub mod landing;
mod not_found;
mod platforms;
mod publish;
pub mod section;
mod settings;
pub mod team;
mod transcript;
mod upload;
mod videos;

pub use admin::AdminPage;
pub use analytics::AnalyticsPage;
pub use auth::{ForgotPasswordPage, LoginPage, ProfilePage, RegisterPage, ResetPasswordPage, VerifyEmailPage};
pub use billing::BillingPage;
pub use clips::{ClipPage, ClipsPage};
pub use dashboard::DashboardPage;
pub use editor::EditorPage;
pub use keys::KeysPage;
pub use landing::Landing;
pub use not_found::NotFound;
pub use platforms::PlatformsPage;
pub use section::Section;
pub use settings::SettingsPage;
pub use team::{InvitePage, TeamPage};
pub use videos::{VideoPage, VideosPage};
