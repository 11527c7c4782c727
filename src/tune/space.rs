//! A search space: named hyperparameters, each with its distribution and an optional
//! condition on another parameter.

use super::{Distribution, ParamValue};
use crate::{Error, Result};

/// One named hyperparameter of a [`SearchSpace`].
///
/// ```
/// let space = tuneup::tune::SearchSpace::builder().int("width", 8, 64).build()?;
/// assert_eq!(space.params()[0].name(), "width");
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Param {
    name: String,
    distribution: Distribution,
    condition: Option<Condition>,
}

/// The parameter is active only when `parent` takes one of `values`.
///
/// ```
/// let space = tuneup::tune::SearchSpace::builder()
///     .categorical("opt", ["sgd", "adam"])
///     .float("momentum", 0.0, 0.99).only_when("opt", ["sgd"])
///     .build()?;
/// assert_eq!(space.params()[1].condition().unwrap().parent(), "opt");
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Condition {
    parent: String,
    values: Vec<ParamValue>,
}

impl Condition {
    /// The parameter the condition reads.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("a", 0, 1).int("b", 0, 1).only_when("a", [1]).build()?;
    /// assert_eq!(s.params()[1].condition().unwrap().parent(), "a");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn parent(&self) -> &str {
        &self.parent
    }

    /// The parent's values for which the parameter is active.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("a", 0, 1).int("b", 0, 1).only_when("a", [1]).build()?;
    /// assert_eq!(s.params()[1].condition().unwrap().values().len(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn values(&self) -> &[ParamValue] {
        &self.values
    }
}

impl Param {
    /// The parameter's name.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().float_log("lr", 1e-4, 1e-1).build()?;
    /// assert_eq!(s.params()[0].name(), "lr");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The distribution its values come from.
    ///
    /// ```
    /// use tuneup::tune::{Distribution, SearchSpace};
    /// let s = SearchSpace::builder().int("n", 1, 3).build()?;
    /// assert_eq!(s.params()[0].distribution(), &Distribution::int(1, 3));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn distribution(&self) -> &Distribution {
        &self.distribution
    }

    /// The condition that makes it active, if any.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("n", 1, 3).build()?;
    /// assert!(s.params()[0].condition().is_none());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn condition(&self) -> Option<&Condition> {
        self.condition.as_ref()
    }

    /// Whether the parameter is active given the values chosen so far (`lookup` by name).
    pub(crate) fn is_active<'a>(&self, lookup: impl Fn(&str) -> Option<&'a ParamValue>) -> bool {
        match &self.condition {
            None => true,
            Some(c) => lookup(&c.parent).is_some_and(|v| c.values.contains(v)),
        }
    }
}

/// A checked set of named hyperparameters, in the order they were declared.
///
/// Built with [`SearchSpace::builder`]; an invalid space (empty, a bad range, a categorical
/// with no choice, a repeated name, a condition on an unknown or later parameter) is an
/// error when built, never later in a study.
///
/// ```
/// use tuneup::tune::SearchSpace;
/// let space = SearchSpace::builder()
///     .float_log("lr", 1e-4, 1e-1)
///     .int_step("width", 16, 128, 16)
///     .categorical("optimizer", ["sgd", "adam"])
///     .float("momentum", 0.0, 0.99).only_when("optimizer", ["sgd"])
///     .build()?;
/// assert_eq!(space.len(), 4);
/// assert!(SearchSpace::builder().build().is_err());
/// assert!(SearchSpace::builder().float("p", 1.0, 0.0).build().is_err());
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SearchSpace {
    params: Vec<Param>,
}

impl SearchSpace {
    /// An empty builder.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("k", 1, 9).build()?;
    /// assert_eq!(s.len(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn builder() -> SearchSpaceBuilder {
        SearchSpaceBuilder::default()
    }

    /// The parameters, in declaration order.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("a", 0, 1).int("b", 0, 1).build()?;
    /// assert_eq!(s.params()[1].name(), "b");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The number of parameters.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("a", 0, 1).build()?;
    /// assert_eq!(s.len(), 1);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Always false: a built space has at least one parameter.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("a", 0, 1).build()?;
    /// assert!(!s.is_empty());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The parameter called `name`, if the space has one.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder().int("a", 0, 1).build()?;
    /// assert!(s.get("a").is_some() && s.get("z").is_none());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    fn check(&self) -> Result<()> {
        if self.params.is_empty() {
            return Err(Error::config(
                "SearchSpace",
                "no parameter",
                "at least one parameter",
            ));
        }
        for (i, p) in self.params.iter().enumerate() {
            p.distribution.check(&p.name)?;
            let earlier = &self.params[..i];
            if earlier.iter().any(|q| q.name == p.name) {
                return Err(Error::config("SearchSpace", &p.name, "each name once"));
            }
            if let Some(c) = &p.condition {
                check_condition(&p.name, c, earlier)?;
            }
        }
        Ok(())
    }
}

fn check_condition(name: &str, c: &Condition, earlier: &[Param]) -> Result<()> {
    let Some(parent) = earlier.iter().find(|q| q.name == c.parent) else {
        return Err(Error::config(
            format!("{name}.only_when"),
            &c.parent,
            "the name of a parameter declared before it",
        ));
    };
    if c.values.is_empty() {
        return Err(Error::config(
            format!("{name}.only_when"),
            "[]",
            "at least one parent value",
        ));
    }
    if let Distribution::Categorical(choices) = &parent.distribution {
        if let Some(v) = c.values.iter().find(|v| !choices.contains(v)) {
            return Err(Error::config(
                format!("{name}.only_when({})", c.parent),
                v,
                format!("one of {}'s choices", c.parent),
            ));
        }
    }
    Ok(())
}

/// Declares the parameters of a [`SearchSpace`]; setters cannot fail and
/// [`SearchSpaceBuilder::build`] checks everything.
///
/// ```
/// let s = tuneup::tune::SearchSpace::builder()
///     .distribution("alpha", tuneup::tune::Distribution::float_log(1e-6, 1e-2))
///     .build()?;
/// assert_eq!(s.len(), 1);
/// # Ok::<(), tuneup::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SearchSpaceBuilder {
    params: Vec<Param>,
    dangling_condition: Option<String>,
}

impl SearchSpaceBuilder {
    /// Adds a parameter with any [`Distribution`].
    ///
    /// ```
    /// use tuneup::tune::{Distribution, SearchSpace};
    /// let s = SearchSpace::builder().distribution("n", Distribution::int(1, 4)).build()?;
    /// assert_eq!(s.params()[0].name(), "n");
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn distribution(mut self, name: &str, distribution: Distribution) -> Self {
        self.params.push(Param {
            name: name.to_string(),
            distribution,
            condition: None,
        });
        self
    }

    /// Adds integers `low..=high`.
    ///
    /// ```
    /// assert!(tuneup::tune::SearchSpace::builder().int("n", 3, 1).build().is_err());
    /// ```
    pub fn int(self, name: &str, low: i64, high: i64) -> Self {
        self.distribution(name, Distribution::int(low, high))
    }

    /// Adds integers `low, low + step, … ≤ high`.
    ///
    /// ```
    /// assert!(tuneup::tune::SearchSpace::builder().int_step("w", 8, 64, 8).build().is_ok());
    /// ```
    pub fn int_step(self, name: &str, low: i64, high: i64, step: i64) -> Self {
        self.distribution(name, Distribution::int_step(low, high, step))
    }

    /// Adds log-uniform integers `low..=high` (`low ≥ 1`).
    ///
    /// ```
    /// assert!(tuneup::tune::SearchSpace::builder().int_log("w", 0, 64).build().is_err());
    /// ```
    pub fn int_log(self, name: &str, low: i64, high: i64) -> Self {
        self.distribution(name, Distribution::int_log(low, high))
    }

    /// Adds uniform floats in `[low, high]`.
    ///
    /// ```
    /// assert!(tuneup::tune::SearchSpace::builder().float("p", 0.0, 0.5).build().is_ok());
    /// ```
    pub fn float(self, name: &str, low: f64, high: f64) -> Self {
        self.distribution(name, Distribution::float(low, high))
    }

    /// Adds log-uniform floats in `[low, high]` (`low > 0`).
    ///
    /// ```
    /// assert!(tuneup::tune::SearchSpace::builder().float_log("lr", -1.0, 1.0).build().is_err());
    /// ```
    pub fn float_log(self, name: &str, low: f64, high: f64) -> Self {
        self.distribution(name, Distribution::float_log(low, high))
    }

    /// Adds floats `low, low + step, … ≤ high`.
    ///
    /// ```
    /// assert!(tuneup::tune::SearchSpace::builder().float_step("p", 0.0, 0.5, 0.1).build().is_ok());
    /// ```
    pub fn float_step(self, name: &str, low: f64, high: f64, step: f64) -> Self {
        self.distribution(name, Distribution::float_step(low, high, step))
    }

    /// Adds a choice among `choices`.
    ///
    /// ```
    /// let b = tuneup::tune::SearchSpace::builder();
    /// assert!(b.categorical("opt", Vec::<&str>::new()).build().is_err());
    /// ```
    pub fn categorical<V: Into<ParamValue>>(
        self,
        name: &str,
        choices: impl IntoIterator<Item = V>,
    ) -> Self {
        self.distribution(name, Distribution::categorical(choices))
    }

    /// Makes the parameter added last active only when `parent` (declared before it) takes one
    /// of `values`; otherwise trials do not hold it.
    ///
    /// ```
    /// let s = tuneup::tune::SearchSpace::builder()
    ///     .categorical("opt", ["sgd", "adam"])
    ///     .float("momentum", 0.0, 0.9).only_when("opt", ["sgd"])
    ///     .build()?;
    /// assert!(s.params()[1].condition().is_some());
    /// assert!(tuneup::tune::SearchSpace::builder().only_when("a", [1]).build().is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn only_when<V: Into<ParamValue>>(
        mut self,
        parent: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let condition = Condition {
            parent: parent.to_string(),
            values: values.into_iter().map(Into::into).collect(),
        };
        match self.params.last_mut() {
            Some(p) => p.condition = Some(condition),
            None => self.dangling_condition = Some(parent.to_string()),
        }
        self
    }

    /// Checks and returns the space.
    ///
    /// ```
    /// let e = tuneup::tune::SearchSpace::builder().int("a", 0, 1).int("a", 0, 2).build();
    /// assert!(e.is_err());
    /// ```
    pub fn build(self) -> Result<SearchSpace> {
        if let Some(parent) = self.dangling_condition {
            return Err(Error::config(
                "SearchSpace.only_when",
                parent,
                "a parameter declared before only_when",
            ));
        }
        let space = SearchSpace {
            params: self.params,
        };
        space.check()?;
        Ok(space)
    }
}
