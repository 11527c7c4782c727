//! Surgery on a [`Sequential`] for transfer learning: replace, insert, remove and truncate
//! layers, and give the head a new output width, keeping PyTorch's `state_dict` names.

use std::any::Any;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::visitor::StripPrefix;
use super::{Conv2d, Init, Layer, Linear, Sequential};
use crate::{Error, Float, Result};

impl<F: Float> Sequential<F> {
    /// Puts `layer` at `index` in place of the layer there, and returns the old one (its
    /// names without this chain's prefix, ready to be added elsewhere).
    ///
    /// Names stay those of an `nn.Sequential` built with the new list: the layers after
    /// `index` are renumbered when the new layer stands for another number of PyTorch modules
    /// (a `Linear` with a fused activation stands for two).
    ///
    /// Errors, leaving the chain as it was: `index ≥ len()` ([`Error::Value`]); a layer whose
    /// widths do not fit its neighbours ([`Error::Shape`], see [`Sequential::insert`]).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Sequential::<f64>::new()
    ///     .push(Linear::new(3, 4, 0)?.with_activation(Activation::Relu)?)
    ///     .push(Linear::new(4, 2, 1)?);
    /// let old = net.replace(0, Linear::new(3, 4, 2)?)?;
    /// assert_eq!(old.describe(), "Linear(3 → 4, relu)");
    /// let mut names = Vec::new();
    /// net.visit_parameters(&mut |p| names.push(p.name().to_string()));
    /// assert_eq!(names, ["0.weight", "0.bias", "1.weight", "1.bias"]);
    /// assert!(net.replace(0, Linear::new(3, 5, 2)?).is_err()); // 5 outputs into 4 inputs
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn replace(
        &mut self,
        index: usize,
        layer: impl Layer<F> + 'static,
    ) -> Result<Box<dyn Layer<F>>> {
        self.check_index("Sequential::replace", index, self.len())?;
        let new = into_boxed(layer);
        self.edit(
            "Sequential::replace",
            |layers| std::mem::replace(&mut layers[index], new),
            |layers, old| layers[index] = old,
        )
    }

    /// Inserts `layer` before the layer at `index` (`index = len()` appends), renumbering the
    /// layers after it as `nn.Sequential` would.
    ///
    /// The widths are checked where they can be known: from the first `Linear` or `Conv2d`
    /// of the new chain (its `in_features` or `[C, H, W]` input, looking into nested
    /// `Sequential`s) every later layer must accept its predecessor's output
    /// ([`Layer::output_shape`]). Layers before it, such as a leading activation, take any
    /// width.
    ///
    /// Errors, leaving the chain as it was: `index > len()` ([`Error::Value`]); widths that do
    /// not fit ([`Error::Shape`], naming the layer).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Sequential::<f64>::new()
    ///     .push(Linear::new(3, 4, 0)?)
    ///     .push(Linear::new(4, 2, 1)?);
    /// net.insert(1, ActivationLayer::new(Activation::Tanh)?)?;
    /// let mut names = Vec::new();
    /// net.visit_parameters(&mut |p| names.push(p.name().to_string()));
    /// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    /// assert!(matches!(net.insert(1, Linear::new(5, 4, 2)?), Err(tuneup::Error::Shape { .. })));
    /// assert_eq!(net.len(), 3);
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn insert(&mut self, index: usize, layer: impl Layer<F> + 'static) -> Result<()> {
        self.check_index("Sequential::insert", index, self.len() + 1)?;
        let new = into_boxed(layer);
        self.edit(
            "Sequential::insert",
            |layers| layers.insert(index, new),
            |layers, ()| {
                layers.remove(index);
            },
        )
    }

    /// Takes out the layer at `index` and returns it (its names without this chain's
    /// prefix); the layers after it are renumbered.
    ///
    /// Errors, leaving the chain as it was: `index ≥ len()` ([`Error::Value`]); a chain whose
    /// remaining widths no longer fit ([`Error::Shape`], see [`Sequential::insert`]).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Sequential::<f64>::new()
    ///     .push(Linear::new(3, 4, 0)?)
    ///     .push(Dropout::new(0.5, 0)?)
    ///     .push(Linear::new(4, 2, 1)?);
    /// let dropout = net.remove(1)?;
    /// assert_eq!(dropout.describe(), Dropout::<f64>::new(0.5, 0)?.describe());
    /// let mut names = Vec::new();
    /// net.visit_parameters(&mut |p| names.push(p.name().to_string()));
    /// assert_eq!(names, ["0.weight", "0.bias", "1.weight", "1.bias"]);
    /// assert!(matches!(net.remove(2), Err(tuneup::Error::Value { .. }))); // 2 layers left
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn remove(&mut self, index: usize) -> Result<Box<dyn Layer<F>>> {
        self.check_index("Sequential::remove", index, self.len())?;
        self.edit(
            "Sequential::remove",
            |layers| layers.remove(index),
            |layers, old| layers.insert(index, old),
        )
    }

    /// Keeps the first `len` layers (a feature extractor, for instance) and drops the rest.
    ///
    /// Errors: `len > self.len()` ([`Error::Value`]), the chain unchanged.
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[3, 8, 8, 2]).activation(Activation::Relu).build::<f64>()?;
    /// net.truncate(2)?;
    /// assert_eq!(net.summary(3)?.lines().filter(|l| l.contains("Linear")).count(), 2);
    /// assert!(net.truncate(5).is_err());
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn truncate(&mut self, len: usize) -> Result<()> {
        if len > self.len() {
            return Err(Error::value(
                "Sequential::truncate",
                format!("a length of at most {} (the chain's)", self.len()),
                len,
            ));
        }
        self.layers.truncate(len);
        self.next_module = self.layers.iter().map(|l| l.torch_modules()).sum();
        Ok(())
    }

    /// Gives the last `Linear` of the chain a new output width, as when fine-tuning a
    /// pretrained network on other classes: a new `Linear` with the same input width, bias
    /// and fused activation, initialised as PyTorch does (`nn.Linear`'s default) from `seed`,
    /// takes its place. Returns the old head.
    ///
    /// Errors, leaving the chain as it was: no `Linear` among the chain's layers
    /// ([`Error::Value`]), `out_features = 0` ([`Error::Config`]), layers after the head that
    /// do not accept the new width ([`Error::Shape`]).
    ///
    /// ```
    /// use tuneup::prelude::*;
    /// let mut net = Mlp::new(&[4, 8, 3]).activation(Activation::Relu).seed(0).build::<f64>()?;
    /// let old = net.replace_head(5, 7)?;
    /// assert_eq!(old.describe(), "Linear(8 → 3)");
    /// let y = net.predict(ndarray::Array2::zeros((2, 4)).view())?;
    /// assert_eq!(y.dim(), (2, 5));
    /// # Ok::<(), tuneup::Error>(())
    /// ```
    pub fn replace_head(&mut self, out_features: usize, seed: u64) -> Result<Box<dyn Layer<F>>> {
        let found = self.layers.iter().enumerate().rev().find_map(|(i, l)| {
            let linear = (**l).as_any().downcast_ref::<Linear<F>>()?;
            Some((
                i,
                linear.in_features(),
                linear.bias().is_some(),
                linear.activation(),
            ))
        });
        let Some((index, in_features, bias, activation)) = found else {
            return Err(Error::value(
                "Sequential::replace_head",
                "a chain with a Linear layer to replace",
                format!("{self:?}"),
            ));
        };
        let mut rng = StdRng::seed_from_u64(seed);
        let head = Linear::from_rng(
            in_features,
            out_features,
            Init::TorchDefault,
            bias,
            &mut rng,
        )?
        .with_activation(activation)?;
        self.replace(index, head)
    }

    /// An [`Error::Value`] unless `index < end`.
    fn check_index(&self, context: &str, index: usize, end: usize) -> Result<()> {
        if index < end {
            return Ok(());
        }
        Err(Error::value(
            context,
            format!("an index below {end} (the chain has {} layers)", self.len()),
            index,
        ))
    }

    /// Runs `change` on the layers with their names stripped of this chain's numbering, then
    /// checks the widths and renames the layers for their new places. When the widths do
    /// not fit, `undo` (given what `change` returned) puts the list back before renaming, so
    /// the chain is as it was.
    fn edit<R>(
        &mut self,
        context: &str,
        change: impl FnOnce(&mut Vec<Box<dyn Layer<F>>>) -> R,
        undo: impl FnOnce(&mut Vec<Box<dyn Layer<F>>>, R),
    ) -> Result<R> {
        self.strip_numbering();
        let result = change(&mut self.layers);
        let check = check_widths(&self.layers).map_err(|e| e.within(context));
        let outcome = match check {
            Ok(()) => Ok(result),
            Err(e) => {
                undo(&mut self.layers, result);
                Err(e)
            }
        };
        self.apply_numbering();
        outcome
    }

    /// Removes each layer's `"{module}."` prefix.
    fn strip_numbering(&mut self) {
        let mut module = 0;
        for layer in &mut self.layers {
            layer.visit_mut(&mut StripPrefix(&format!("{module}.")));
            module += layer.torch_modules();
        }
    }

    /// Gives each layer the `"{module}."` prefix of its place, as [`Sequential::add`] does.
    fn apply_numbering(&mut self) {
        let mut module = 0;
        for layer in &mut self.layers {
            layer.prefix_names(&format!("{module}."));
            module += layer.torch_modules();
        }
        self.next_module = module;
    }
}

/// `layer` as a box, without boxing a `Box<dyn Layer<F>>` a second time (so that the layer
/// can still be recognised by its type).
fn into_boxed<F: Float, L: Layer<F> + 'static>(layer: L) -> Box<dyn Layer<F>> {
    let any: Box<dyn Any> = Box::new(layer);
    match any.downcast::<Box<dyn Layer<F>>>() {
        Ok(boxed) => *boxed,
        Err(any) => match any.downcast::<L>() {
            Ok(layer) => layer,
            Err(_) => unreachable!("a Box<dyn Any> made from an L downcasts to L"),
        },
    }
}

/// The per-sample input shape a layer declares, when it does: a `Linear`'s `in_features`, a
/// `Conv2d`'s `[C, H, W]`, or that of the first such layer of a nested chain (the layers
/// before it taking any width).
fn declared_input<F: Float>(layer: &dyn Layer<F>) -> Option<Vec<usize>> {
    let any = layer.as_any();
    if let Some(linear) = any.downcast_ref::<Linear<F>>() {
        return Some(vec![linear.in_features()]);
    }
    if let Some(conv) = any.downcast_ref::<Conv2d<F>>() {
        return Some(conv.input_shape().to_vec());
    }
    let nested = any.downcast_ref::<Sequential<F>>()?;
    nested.layers().iter().find_map(|l| declared_input(&**l))
}

/// From the first layer that declares its input width, every layer accepts its
/// predecessor's output.
fn check_widths<F: Float>(layers: &[Box<dyn Layer<F>>]) -> Result<()> {
    let Some((start, mut shape)) = layers
        .iter()
        .enumerate()
        .find_map(|(i, l)| declared_input(&**l).map(|s| (i, s)))
    else {
        return Ok(());
    };
    for (i, layer) in layers.iter().enumerate().skip(start) {
        shape = layer
            .output_shape(&shape)
            .map_err(|e| e.within(format!("layer {i}")))?;
    }
    Ok(())
}
