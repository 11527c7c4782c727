//! Parameter groups: hyperparameter overrides for the parameters a rule selects.

use std::fmt;
use std::sync::Arc;

use super::optimizer::check_non_negative;
use crate::model::ParamKind;
use crate::Result;

/// A user rule over (parameter name, kind).
type Rule = Arc<dyn Fn(&str, ParamKind) -> bool + Send + Sync>;

/// Which parameters a [`ParamGroup`] takes.
#[derive(Clone)]
enum Selector {
    Kinds(Vec<ParamKind>),
    Prefix(String),
    Suffix(String),
    Names(Vec<String>),
    Predicate(Rule),
}

/// A set of parameters, chosen by name or kind, with its own weight decay and learning-rate
/// factor — PyTorch's parameter groups, selected by rule instead of by listing tensors.
///
/// An optimizer takes groups with its `group` builder method. Each parameter belongs to the
/// **first** group whose rule selects it, or to no group, in which case it uses the
/// optimizer's own settings. What a group does not override is inherited.
///
/// **Learning rate.** A group's learning rate is the optimizer's learning rate times the
/// group's `lr_factor` (1 by default). A schedule that calls
/// [`Optimizer::set_learning_rate`](super::Optimizer::set_learning_rate) therefore moves every
/// group, keeping their ratios — what PyTorch's multiplicative schedulers (`StepLR`,
/// `ExponentialLR`, `LambdaLR`, `OneCycleLR`, …) do to groups whose initial learning rates are
/// base × factor. (Schedules with an absolute floor such as `CosineAnnealingLR`'s `eta_min`
/// apply the floor to the base rate here, so a group's floor is `eta_min × lr_factor`.)
///
/// "No weight decay on biases and normalisation parameters" is one line:
/// ```
/// use tuneup::prelude::*;
/// let adamw = AdamW::new(1e-3)?.weight_decay(0.05)?.group(ParamGroup::biases_and_norms().weight_decay(0.0))?;
/// # Ok::<(), tuneup::Error>(())
/// ```
///
/// Other rules:
/// ```
/// use tuneup::prelude::*;
/// use tuneup::model::ParamKind;
/// let head = ParamGroup::name_prefix("4.").lr_factor(10.0);
/// assert!(head.selects("4.weight", ParamKind::Weight));
/// let biases = ParamGroup::name_suffix(".bias");
/// assert!(biases.selects("0.bias", ParamKind::Bias));
/// let listed = ParamGroup::names(&["0.weight"]);
/// assert!(!listed.selects("0.bias", ParamKind::Bias));
/// let custom = ParamGroup::matching(|name, kind| kind == ParamKind::Weight && name.starts_with('0'));
/// assert!(custom.selects("0.weight", ParamKind::Weight));
/// ```
#[derive(Clone)]
pub struct ParamGroup {
    selector: Selector,
    weight_decay: Option<f64>,
    lr_factor: f64,
}

impl ParamGroup {
    fn with(selector: Selector) -> Self {
        ParamGroup {
            selector,
            weight_decay: None,
            lr_factor: 1.0,
        }
    }

    /// Selects parameters of the given kinds.
    ///
    /// ```
    /// use tuneup::optim::ParamGroup;
    /// use tuneup::model::ParamKind;
    /// let g = ParamGroup::kinds(&[ParamKind::Bias]);
    /// assert!(g.selects("3.bias", ParamKind::Bias));
    /// assert!(!g.selects("3.weight", ParamKind::Weight));
    /// ```
    pub fn kinds(kinds: &[ParamKind]) -> Self {
        Self::with(Selector::Kinds(kinds.to_vec()))
    }

    /// Selects biases and normalisation parameters (`ParamKind::Bias` and `ParamKind::Norm`),
    /// the usual "no weight decay" set.
    ///
    /// ```
    /// use tuneup::optim::ParamGroup;
    /// use tuneup::model::ParamKind;
    /// let g = ParamGroup::biases_and_norms();
    /// assert!(g.selects("1.weight", ParamKind::Norm));
    /// assert!(!g.selects("0.weight", ParamKind::Weight));
    /// ```
    pub fn biases_and_norms() -> Self {
        Self::kinds(&[ParamKind::Bias, ParamKind::Norm])
    }

    /// Selects parameters whose name starts with `prefix` (e.g. `"4."` for one layer of a
    /// `Sequential`).
    ///
    /// ```
    /// use tuneup::optim::ParamGroup;
    /// use tuneup::model::ParamKind;
    /// assert!(ParamGroup::name_prefix("2.").selects("2.bias", ParamKind::Bias));
    /// ```
    pub fn name_prefix(prefix: impl Into<String>) -> Self {
        Self::with(Selector::Prefix(prefix.into()))
    }

    /// Selects parameters whose name ends with `suffix` (e.g. `".bias"`).
    ///
    /// ```
    /// use tuneup::optim::ParamGroup;
    /// use tuneup::model::ParamKind;
    /// assert!(ParamGroup::name_suffix(".bias").selects("2.bias", ParamKind::Bias));
    /// ```
    pub fn name_suffix(suffix: impl Into<String>) -> Self {
        Self::with(Selector::Suffix(suffix.into()))
    }

    /// Selects the parameters with exactly these names.
    ///
    /// ```
    /// use tuneup::optim::ParamGroup;
    /// use tuneup::model::ParamKind;
    /// assert!(ParamGroup::names(&["0.weight", "2.weight"]).selects("2.weight", ParamKind::Weight));
    /// ```
    pub fn names(names: &[&str]) -> Self {
        Self::with(Selector::Names(
            names.iter().map(|n| n.to_string()).collect(),
        ))
    }

    /// Selects the parameters for which `rule(name, kind)` is true.
    ///
    /// ```
    /// use tuneup::optim::ParamGroup;
    /// use tuneup::model::ParamKind;
    /// let g = ParamGroup::matching(|name, _| name.contains("weight"));
    /// assert!(g.selects("0.weight", ParamKind::Weight));
    /// ```
    pub fn matching(rule: impl Fn(&str, ParamKind) -> bool + Send + Sync + 'static) -> Self {
        Self::with(Selector::Predicate(Arc::new(rule)))
    }

    /// Overrides the weight decay (finite, ≥ 0; checked when the group is added to an
    /// optimizer). For SGD, Adam, RMSprop and Adagrad it is the L2 term added to the gradient;
    /// for AdamW it is the decoupled decay.
    ///
    /// ```
    /// let g = tuneup::optim::ParamGroup::biases_and_norms().weight_decay(0.0);
    /// assert_eq!(g.weight_decay_override(), Some(0.0));
    /// ```
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = Some(weight_decay);
        self
    }

    /// Multiplies the optimizer's learning rate for this group (finite, ≥ 0; checked when the
    /// group is added). See the type's documentation for how schedules interact.
    ///
    /// ```
    /// let g = tuneup::optim::ParamGroup::name_prefix("0.").lr_factor(0.1);
    /// assert_eq!(g.learning_rate_factor(), 0.1);
    /// ```
    pub fn lr_factor(mut self, factor: f64) -> Self {
        self.lr_factor = factor;
        self
    }

    /// The weight decay this group sets, if it overrides it.
    pub fn weight_decay_override(&self) -> Option<f64> {
        self.weight_decay
    }

    /// The learning-rate factor (1 unless set).
    pub fn learning_rate_factor(&self) -> f64 {
        self.lr_factor
    }

    /// True when this group's rule takes the parameter named `name` of kind `kind`.
    ///
    /// ```
    /// use tuneup::optim::ParamGroup;
    /// use tuneup::model::ParamKind;
    /// assert!(ParamGroup::kinds(&[ParamKind::Norm]).selects("1.bias", ParamKind::Norm));
    /// ```
    pub fn selects(&self, name: &str, kind: ParamKind) -> bool {
        match &self.selector {
            Selector::Kinds(kinds) => kinds.contains(&kind),
            Selector::Prefix(p) => name.starts_with(p.as_str()),
            Selector::Suffix(s) => name.ends_with(s.as_str()),
            Selector::Names(names) => names.iter().any(|n| n == name),
            Selector::Predicate(rule) => rule(name, kind),
        }
    }

    /// Checks the overrides; `owner` names the optimizer and `index` the group in errors.
    pub(crate) fn validate(&self, owner: &str, index: usize) -> Result<()> {
        if let Some(wd) = self.weight_decay {
            check_non_negative(&format!("{owner}.groups[{index}].weight_decay"), wd)?;
        }
        check_non_negative(
            &format!("{owner}.groups[{index}].lr_factor"),
            self.lr_factor,
        )
    }
}

impl fmt::Debug for ParamGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ParamGroup");
        match &self.selector {
            Selector::Kinds(k) => d.field("kinds", k),
            Selector::Prefix(p) => d.field("name_prefix", p),
            Selector::Suffix(s) => d.field("name_suffix", s),
            Selector::Names(n) => d.field("names", n),
            Selector::Predicate(_) => d.field("matching", &"<rule>"),
        };
        d.field("weight_decay", &self.weight_decay)
            .field("lr_factor", &self.lr_factor)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_the_group_and_field() {
        let e = ParamGroup::biases_and_norms()
            .weight_decay(-1.0)
            .validate("AdamW", 2)
            .unwrap_err();
        assert!(
            e.to_string().contains("AdamW.groups[2].weight_decay = -1"),
            "{e}"
        );
        let e = ParamGroup::biases_and_norms()
            .lr_factor(f64::NAN)
            .validate("Sgd", 0)
            .unwrap_err();
        assert!(e.to_string().contains("Sgd.groups[0].lr_factor"), "{e}");
        assert!(ParamGroup::names(&["a"]).validate("Sgd", 0).is_ok());
    }

    #[test]
    fn debug_shows_the_rule() {
        let g = ParamGroup::name_suffix(".bias").weight_decay(0.0);
        assert!(format!("{g:?}").contains("name_suffix"));
        let g = ParamGroup::matching(|_, _| true);
        assert!(format!("{g:?}").contains("<rule>"));
    }
}
