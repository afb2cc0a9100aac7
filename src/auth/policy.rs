//! The access policy: the one place that decides what a caller may read and
//! write, as plain values. The caller's [`ReadScope`] is worked out once per
//! request ([`Principal::read_scope`]) and every service read applies it as
//! a SQL condition (`service::scope`), so no resolver has to remember to filter.

use crate::error::{AppResult, forbidden};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    RegionalAdmin,
    CouncilEditor,
    CouncilSync,
    CouncilViewer,
    Auditor,
    Dashboard,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::RegionalAdmin, Role::CouncilEditor, Role::CouncilSync, Role::CouncilViewer, Role::Auditor, Role::Dashboard];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::RegionalAdmin => "regional_admin",
            Role::CouncilEditor => "council_editor",
            Role::CouncilSync => "council_sync",
            Role::CouncilViewer => "council_viewer",
            Role::Auditor => "auditor",
            Role::Dashboard => "dashboard",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn is_council_role(self) -> bool {
        matches!(self, Role::CouncilEditor | Role::CouncilSync | Role::CouncilViewer)
    }

    /// Roles that can change nothing: their queries may be answered by a
    /// read replica, since no write of theirs can be missing from it.
    pub fn only_reads(self) -> bool {
        matches!(self, Role::CouncilViewer | Role::Auditor | Role::Dashboard)
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub role: Role,
    /// Council codes; empty for the regional roles.
    pub councils: Vec<String>,
}

/// Which councils' records a query may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    All,
    /// Only these council codes; empty means no records at all.
    Councils(Vec<String>),
}

impl Principal {
    /// The councils whose contracts, commitments, evidence and changes this
    /// caller may read. Computed once, when a request starts.
    pub fn read_scope(&self) -> ReadScope {
        match self.role {
            Role::RegionalAdmin | Role::Auditor => ReadScope::All,
            Role::CouncilEditor | Role::CouncilSync | Role::CouncilViewer => ReadScope::Councils(self.councils.clone()),
            Role::Dashboard => ReadScope::Councils(Vec::new()),
        }
    }

    fn is_own_council(&self, council: &str) -> bool {
        self.councils.iter().any(|c| c == council)
    }

    /// The audit log: every role but `dashboard` (a council role then sees
    /// its councils' events only, through its read scope).
    pub fn ensure_can_read_audit_log(&self) -> AppResult<()> {
        match self.role {
            Role::Dashboard => Err(forbidden("the dashboard role may not read the audit log")),
            _ => Ok(()),
        }
    }

    /// Re-verifying the whole audit chain reads every event.
    pub fn ensure_can_verify_audit_chain(&self) -> AppResult<()> {
        match self.role {
            Role::Auditor | Role::RegionalAdmin => Ok(()),
            _ => Err(forbidden("only auditor and regional_admin may verify the audit chain")),
        }
    }

    /// Writing a council's records through `syncCouncilData`.
    pub fn ensure_can_sync(&self, council: &str) -> AppResult<()> {
        match self.role {
            Role::CouncilEditor | Role::CouncilSync if self.is_own_council(council) => Ok(()),
            Role::RegionalAdmin => Err(forbidden("councils own their records: regional_admin does not write council data")),
            _ => Err(forbidden(format!("you may not write the records of council {council}"))),
        }
    }

    /// Single-record edits and evidence reviews: council officers only.
    pub fn ensure_can_edit(&self, council: &str) -> AppResult<()> {
        match self.role {
            Role::CouncilEditor if self.is_own_council(council) => Ok(()),
            _ => Err(forbidden(format!("only a council_editor of {council} may edit its records"))),
        }
    }

    /// The role check before an edit's record is even looked up, so that a
    /// caller who may edit nothing learns nothing about which ids exist.
    pub fn ensure_edits_records(&self) -> AppResult<()> {
        match self.role {
            Role::CouncilEditor => Ok(()),
            _ => Err(forbidden("only a council_editor may edit or review records")),
        }
    }

    /// Councils, themes, measures and proxies.
    pub fn ensure_can_write_framework(&self) -> AppResult<()> {
        match self.role {
            Role::RegionalAdmin => Ok(()),
            _ => Err(forbidden("only regional_admin may change councils and the framework")),
        }
    }
}

impl ReadScope {
    pub fn includes(&self, council: &str) -> bool {
        match self {
            ReadScope::All => true,
            ReadScope::Councils(codes) => codes.iter().any(|c| c == council),
        }
    }

    /// Naming a council in a filter, fetching one of its records, or reading its changes.
    pub fn ensure_can_read_council(&self, council: &str) -> AppResult<()> {
        if self.includes(council) { Ok(()) } else { Err(forbidden(format!("you may not read the records of council {council}"))) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A role sent to the read replica must be refused every write, or a
    /// write of its own could be missing from what it reads next.
    #[test]
    fn a_role_that_only_reads_may_write_nothing() {
        for role in Role::ALL {
            let p = Principal { subject: "t".into(), role, councils: vec!["LIV".into()] };
            let writes =
                [p.ensure_can_sync("LIV").is_ok(), p.ensure_can_edit("LIV").is_ok(), p.ensure_edits_records().is_ok(), p.ensure_can_write_framework().is_ok()];
            assert_eq!(role.only_reads(), !writes.contains(&true), "{role:?}");
        }
    }
}
