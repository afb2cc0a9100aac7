//! The one syntax of reference codes (councils, themes, measures): what a
//! client sends is the code, never trimmed or folded, so `" LIV"` is refused
//! rather than taken for `LIV`.

/// Longest code accepted.
pub const MAX_LEN: usize = 64;

/// Checks `code` against the syntax: 1 to 64 characters, ASCII letters,
/// digits, `.`, `_` and `-`, starting with a letter or digit. `field` names
/// the code in the message.
pub fn check(field: &str, code: &str) -> Result<(), String> {
    let mut chars = code.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok && code.len() <= MAX_LEN {
        Ok(())
    } else {
        Err(format!("{field} {}: a code is 1 to {MAX_LEN} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit", printable(code)))
    }
}

/// A code as it can be shown in a message: quoted, control characters escaped, cut short.
fn printable(code: &str) -> String {
    let shown: String = code.chars().take(MAX_LEN + 1).collect();
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn codes_of_the_frameworks_in_use_are_accepted() {
        for code in ["LIV", "JOBS-03", "NT10", "LT01", "K02", "E08000012", "lt.1_2"] {
            assert!(check("code", code).is_ok(), "{code}");
        }
    }

    #[test]
    fn whitespace_control_characters_and_odd_shapes_are_refused() {
        for code in ["", " LIV", "LIV ", "L IV", "LIV\0", "LIV\n", "-LIV", "LIV/1", "É", &"A".repeat(65)] {
            assert!(check("code", code).is_err(), "{code:?}");
        }
        assert!(check("councilCode", "LIV\u{0}").unwrap_err().contains("\"LIV\\0\""));
    }
}
