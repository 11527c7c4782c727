//! The categories of one table column, in scikit-learn's order (sorted values, the missing
//! value last), shared by the encoders.

use std::collections::HashMap;
use std::fmt;

use super::table::Column;
use crate::Float;

/// One category of a column, as the encoders list them (scikit-learn's `categories_`).
///
/// Its `Display` is the text scikit-learn puts in feature names: the text itself, a number as
/// Python prints a float (`1.0`, `2.5`, `1e+20`), and `nan` for the missing value.
///
/// ```
/// use tuneup::data::Category;
/// assert_eq!(Category::Number(1.0).to_string(), "1.0");
/// assert_eq!(Category::Text("red".into()).to_string(), "red");
/// assert_eq!(Category::Missing.to_string(), "nan");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Category {
    /// A text category.
    Text(String),
    /// A numeric category.
    Number(f64),
    /// The missing value (`None` or `NaN`), sorted last.
    Missing,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Category::Text(s) => write!(f, "{s}"),
            Category::Number(v) => write!(f, "{}", python_float(*v)),
            Category::Missing => write!(f, "nan"),
        }
    }
}

/// A float as Python's `repr` writes it (shortest round trip; exponent below 1e-4 and from
/// 1e16).
pub(crate) fn python_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{v:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Values {
    Text(Vec<String>, HashMap<String, usize>),
    Number(Vec<f64>),
}

/// The sorted categories of one column seen by `fit`, with their counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnCategories {
    values: Values,
    has_missing: bool,
    /// Count of each category, the missing value last.
    counts: Vec<usize>,
}

impl ColumnCategories {
    /// The categories of `column` (every value, the missing one included).
    pub(crate) fn fit<F: Float>(column: &Column<F>) -> Self {
        match column {
            Column::Categorical(v) => {
                let mut counts: HashMap<&str, usize> = HashMap::new();
                let mut n_missing = 0;
                for x in v {
                    match x {
                        Some(s) => *counts.entry(s.as_str()).or_insert(0) += 1,
                        None => n_missing += 1,
                    }
                }
                let mut sorted: Vec<(&str, usize)> = counts.into_iter().collect();
                sorted.sort_unstable();
                let names: Vec<String> = sorted.iter().map(|(s, _)| s.to_string()).collect();
                let lookup = names
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.clone(), i))
                    .collect();
                let mut counts: Vec<usize> = sorted.iter().map(|&(_, c)| c).collect();
                if n_missing > 0 {
                    counts.push(n_missing);
                }
                ColumnCategories {
                    values: Values::Text(names, lookup),
                    has_missing: n_missing > 0,
                    counts,
                }
            }
            Column::Numeric(v) => {
                let mut nums: Vec<f64> = v
                    .iter()
                    .filter(|x| !x.is_nan())
                    .map(|x| x.to_f64().unwrap_or(f64::NAN) + 0.0)
                    .collect();
                let n_missing = v.len() - nums.len();
                nums.sort_unstable_by(f64::total_cmp);
                let mut uniq: Vec<f64> = Vec::new();
                let mut counts = Vec::new();
                for x in nums {
                    if uniq.last() == Some(&x) {
                        *counts.last_mut().expect("a count per value") += 1;
                    } else {
                        uniq.push(x);
                        counts.push(1);
                    }
                }
                if n_missing > 0 {
                    counts.push(n_missing);
                }
                ColumnCategories {
                    values: Values::Number(uniq),
                    has_missing: n_missing > 0,
                    counts,
                }
            }
        }
    }

    /// The number of categories, the missing one included.
    pub(crate) fn len(&self) -> usize {
        self.counts.len()
    }

    /// The number of categories other than the missing one.
    pub(crate) fn n_present(&self) -> usize {
        self.len() - usize::from(self.has_missing)
    }

    /// The index of the missing category, if `fit` saw one.
    pub(crate) fn missing_index(&self) -> Option<usize> {
        self.has_missing.then(|| self.len() - 1)
    }

    pub(crate) fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// The categories, in order.
    pub(crate) fn list(&self) -> Vec<Category> {
        let mut out: Vec<Category> = match &self.values {
            Values::Text(names, _) => names.iter().cloned().map(Category::Text).collect(),
            Values::Number(v) => v.iter().copied().map(Category::Number).collect(),
        };
        if self.has_missing {
            out.push(Category::Missing);
        }
        out
    }

    /// The category index of row `r` of `column`, or `Err(value)` for a value unseen by
    /// `fit` (its printed form). The column kind has been checked.
    pub(crate) fn code<F: Float>(
        &self,
        column: &Column<F>,
        r: usize,
    ) -> std::result::Result<usize, String> {
        match (column, &self.values) {
            (Column::Categorical(v), Values::Text(_, lookup)) => match &v[r] {
                Some(s) => lookup.get(s.as_str()).copied().ok_or_else(|| s.clone()),
                None => self.missing_index().ok_or_else(|| "None".to_string()),
            },
            (Column::Numeric(v), Values::Number(nums)) => {
                let x = v[r].to_f64().unwrap_or(f64::NAN);
                if x.is_nan() {
                    return self.missing_index().ok_or_else(|| "nan".to_string());
                }
                nums.binary_search_by(|p| p.total_cmp(&(x + 0.0)))
                    .map_err(|_| python_float(x))
            }
            _ => Err("a value of another column kind".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_repr() {
        for (v, s) in [
            (1.0, "1.0"),
            (-2.0, "-2.0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (1e20, "1e+20"),
            (1.5e-7, "1.5e-07"),
            (0.0, "0.0"),
            (123456.75, "123456.75"),
        ] {
            assert_eq!(python_float(v), s);
        }
    }

    #[test]
    fn sorted_with_missing_last() {
        let col = Column::<f64>::Categorical(vec![
            Some("b".into()),
            None,
            Some("a".into()),
            Some("b".into()),
        ]);
        let c = ColumnCategories::fit(&col);
        assert_eq!(
            c.list(),
            vec![
                Category::Text("a".into()),
                Category::Text("b".into()),
                Category::Missing
            ]
        );
        assert_eq!(c.counts(), &[1, 2, 1]);
        assert_eq!(c.code(&col, 1), Ok(2));
        let num = Column::Numeric(vec![3.0, -0.0, 0.0, f64::NAN]);
        let c = ColumnCategories::fit(&num);
        assert_eq!(c.counts(), &[2, 1, 1]);
        assert_eq!(c.code(&Column::Numeric(vec![7.0]), 0), Err("7.0".into()));
    }
}
