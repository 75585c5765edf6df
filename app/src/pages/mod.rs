//! Pages, one module each.

mod landing;
mod not_found;
mod section;

pub use landing::Landing;
pub use not_found::NotFound;
pub use section::{Section, SectionPage};
