//! Freezing and unfreezing parameters by name pattern, for fine-tuning.

use super::Layer;
use crate::{Error, Float, Result};

/// Whether `name` matches the glob `pattern`, where `*` stands for any run of characters (dots
/// included) and every other character for itself: `"0.*"` matches every parameter of layer 0,
/// `"*.bias"` every bias, `"*"` everything.
///
/// ```
/// use tuneup::model::name_matches;
/// assert!(name_matches("0.*", "0.weight"));
/// assert!(!name_matches("0.*", "10.weight"));
/// assert!(name_matches("*.bias", "2.0.bias"));
/// assert!(!name_matches("*.bias", "2.weight"));
/// assert!(name_matches("2.weight", "2.weight"));
/// ```
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j) = (0, 0);
    // Where the last `*` was, and the name position it currently stands up to.
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        match p.get(i) {
            Some('*') => {
                star = Some((i, j));
                i += 1;
            }
            Some(&c) if c == n[j] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, sj)) => {
                    star = Some((si, sj + 1));
                    i = si + 1;
                    j = sj + 1;
                }
                None => return false,
            },
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Freezes (`frozen = true`) or unfreezes every parameter of `layer` whose name matches
/// `pattern` (see [`name_matches`]); returns how many parameters matched.
///
/// Errors: an empty pattern, or one matching no parameter ([`Error::Value`], listing the
/// names); nothing is changed then.
///
/// ```
/// use tuneup::prelude::*;
/// use tuneup::model::set_frozen_matching;
/// let mut net = Mlp::new(&[4, 8, 2]).build::<f64>()?;
/// assert_eq!(set_frozen_matching(&mut net, "0.*", true)?, 2);
/// let mut frozen = Vec::new();
/// net.visit_parameters(&mut |p| if p.is_frozen() { frozen.push(p.name().to_string()) });
/// assert_eq!(frozen, ["0.weight", "0.bias"]);
/// assert_eq!(set_frozen_matching(&mut net, "*.bias", false)?, 2);
/// assert!(set_frozen_matching(&mut net, "head.*", true).is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn set_frozen_matching<F: Float, L: Layer<F> + ?Sized>(
    layer: &mut L,
    pattern: &str,
    frozen: bool,
) -> Result<usize> {
    let mut names = Vec::new();
    let mut hits = 0;
    layer.visit_parameters(&mut |p| {
        hits += usize::from(name_matches(pattern, p.name()));
        names.push(p.name().to_string());
    });
    if pattern.is_empty() || hits == 0 {
        return Err(Error::value(
            "set_frozen_matching",
            format!(
                "a pattern matching some parameter name (one of {})",
                names.join(", ")
            ),
            format!("{pattern:?}, matching none"),
        ));
    }
    layer.visit_parameters_mut(&mut |p| {
        if name_matches(pattern, p.name()) {
            p.set_frozen(frozen);
        }
    });
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (p, n, want) in [
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("*.weight", "1.0.weight", true),
            ("1.*.weight", "1.0.weight", true),
            ("1.*.weight", "1.weight", false),
            ("**", "abc", true),
            ("0.*", "0.", true),
            ("*a", "aaaa", true),
            ("*ab", "aaab", true),
            ("*ab", "aaba", false),
        ] {
            assert_eq!(name_matches(p, n), want, "{p:?} vs {n:?}");
        }
    }
}
