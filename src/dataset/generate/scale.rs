//! Dataset sizes, as the Python generator's `--scale`.

use std::fmt;
use std::str::FromStr;

/// Dataset size, as in the Python's `--scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// 3 councils (Halton, Knowsley, Liverpool), 30 contracts.
    Tiny,
    /// 6 councils (Liverpool City Region), 1,000 contracts.
    Small,
    /// 15 councils (Lancashire), 5,000 contracts.
    Medium,
    /// 15 councils (Lancashire), 20,000 contracts, ~1M evidence rows.
    Large,
}

impl Scale {
    pub const ALL: [Scale; 4] = [Scale::Tiny, Scale::Small, Scale::Medium, Scale::Large];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Tiny => "tiny",
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::Large => "large",
        }
    }

    pub(super) fn params(self) -> ScaleParams {
        // Same table as the Python's SCALES: the evidence means are tuned there so the
        // totals land near tiny ~300, small ~30k, medium ~200k, large ~1M rows.
        let (councils, contracts, commit_mean, evid_mean) = match self {
            Scale::Tiny => (3, 30, 3.3, 3.1),
            Scale::Small => (6, 1000, 8.0, 4.5),
            Scale::Medium => (15, 5000, 8.0, 6.1),
            Scale::Large => (15, 20000, 8.0, 7.7),
        };
        ScaleParams { councils, contracts, commit_mean, evid_mean }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scale {0:?} (expected tiny, small, medium or large)")]
pub struct ParseScaleError(pub String);

impl FromStr for Scale {
    type Err = ParseScaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::ALL.into_iter().find(|scale| scale.as_str() == s).ok_or_else(|| ParseScaleError(s.to_owned()))
    }
}

pub(super) struct ScaleParams {
    /// member councils: the first of Liverpool City Region's, or all of Lancashire's
    pub councils: usize,
    /// contracts across the region
    pub contracts: usize,
    /// mean commitments per contract (1..15)
    pub commit_mean: f64,
    /// mean evidence rows drawn per commitment (0..12, before the one-row-per-unit cap)
    pub evid_mean: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_names_round_trip() {
        for s in Scale::ALL {
            assert_eq!(s.to_string().parse::<Scale>(), Ok(s));
        }
        assert!("huge".parse::<Scale>().is_err());
    }
}
