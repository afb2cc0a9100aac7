//! Councils and the frameworks: each framework's themes and measures, the
//! regional framework's proxies, and the crosswalk that maps every other
//! framework's measures onto the regional one. Readable by everyone, written
//! by regional_admin only.
//!
//! The regional framework, `REGIONAL`, always exists (the migration that
//! introduced frameworks made it row 1 and moved everything into it), and
//! every argument that names no framework means it.

mod mapping;
mod read;
mod write;

pub use mapping::{MappingInput, map_measure, unmap_measure};
pub use read::{FrameworkSnapshot, councils, framework_by_code, frameworks, measures, themes};
pub use write::{CouncilInput, FrameworkInput, MeasureInput, ThemeInput, set_proxy, upsert_council, upsert_framework, upsert_measure, upsert_theme};

/// The code of the regional framework.
pub const REGIONAL: &str = "REGIONAL";

/// The regional framework's row id: the migration that introduced
/// frameworks made it the first row, so SQL can name it without a lookup.
pub const REGIONAL_ID: i32 = 1;

/// How the audit trail names a theme or measure: its code in the regional
/// framework, as in v1, and `frameworkCode/code` in any other.
pub fn qualified_code(framework_code: &str, code: &str) -> String {
    if framework_code == REGIONAL { code.to_owned() } else { format!("{framework_code}/{code}") }
}
