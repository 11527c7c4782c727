//! Structured shrink: a smaller dense network without the hidden neurons that pruning made
//! dead, whose outputs equal the pruned network's.

use ndarray::{Array1, Array2, Axis};

use crate::model::{ActivationLayer, BatchNorm1d, Dropout, Layer, Linear, Mode, Sequential};
use crate::{Error, Float, Result};

/// The hidden neurons one [`shrink`] removed after a `Linear` layer.
///
/// ```
/// use tuneup::compress::RemovedNeurons;
/// let r = RemovedNeurons { layer: 0, removed: vec![1, 3], kept: 6 };
/// assert_eq!(r.removed.len() + r.kept, 8);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedNeurons {
    /// The position of the `Linear` in the `Sequential`.
    pub layer: usize,
    /// Its output neurons removed (indices in the original layer).
    pub removed: Vec<usize>,
    /// How many it keeps.
    pub kept: usize,
}

/// A smaller dense copy of `model` without the hidden neurons that cannot matter: outputs of
/// a `Linear` whose weight row is all zero (pruned by
/// [`ln_structured`](super::ln_structured) along `dim = 0`, say), and those whose column in
/// the next `Linear`'s weight is all zero (`dim = 1`). A removed neuron with a zero row still
/// outputs a constant (its bias through the activations and batch norm between); that
/// constant is folded into the next layer's bias, so the outputs equal the pruned model's
/// (to rounding). The weights, biases and batch-norm entries of the kept neurons are copied
/// into new layers without masks; the network's input and output widths are unchanged. At
/// least one neuron is kept per layer.
///
/// Between two `Linear` layers only [`ActivationLayer`], [`Dropout`] and [`BatchNorm1d`] may
/// stand (they act per neuron); anything else — a `LayerNorm`, which mixes the neurons, a
/// nested network — is an [`Error::Value`] naming it, and nothing is built.
///
/// ```
/// use tuneup::compress::{ln_structured, shrink, Amount};
/// use tuneup::prelude::*;
/// let mut net = Mlp::new(&[4, 32, 2]).activation(Activation::Relu).seed(1).build::<f64>()?;
/// ln_structured(&mut net, "0.weight", Amount::Fraction(0.5), 2.0, 0)?;
/// let (mut small, report) = shrink(&net)?;
/// assert_eq!(report[0].kept, 16);
/// let x = ndarray::Array2::from_shape_fn((5, 4), |(i, j)| (i + 2 * j) as f64 * 0.1);
/// let (a, b) = (net.predict(x.view())?, small.predict(x.view())?);
/// assert!((&a - &b).iter().all(|d| d.abs() < 1e-12));
/// assert_eq!(small.num_parameters(), 4 * 16 + 16 + 16 * 2 + 2);
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn shrink<F: Float>(model: &Sequential<F>) -> Result<(Sequential<F>, Vec<RemovedNeurons>)> {
    let mut layers: Vec<Box<dyn Layer<F>>> = model.layers().to_vec();
    let linear: Vec<usize> = (0..layers.len())
        .filter(|&k| as_linear(&*layers[k]).is_some())
        .collect();
    for pair in linear.windows(2) {
        check_between(&layers, pair[0], pair[1])?;
    }
    let modules = module_numbers(&layers);
    let mut report = Vec::new();
    for pair in linear.windows(2) {
        let (p, q) = (pair[0], pair[1]);
        let removed = shrink_pair(&mut layers, p, q, &modules)?;
        let kept = as_linear(&*layers[p]).map_or(0, Linear::out_features);
        report.push(RemovedNeurons {
            layer: p,
            removed,
            kept,
        });
    }
    Ok((Sequential::from_named_layers(layers), report))
}

fn as_linear<F: Float>(layer: &dyn Layer<F>) -> Option<&Linear<F>> {
    layer.as_any().downcast_ref::<Linear<F>>()
}

/// Each layer's module number (its names' prefix).
fn module_numbers<F: Float>(layers: &[Box<dyn Layer<F>>]) -> Vec<usize> {
    let mut next = 0;
    layers
        .iter()
        .map(|l| {
            let at = next;
            next += l.torch_modules();
            at
        })
        .collect()
}

/// Only per-neuron layers between the Linear layers at `p` and `q`.
fn check_between<F: Float>(layers: &[Box<dyn Layer<F>>], p: usize, q: usize) -> Result<()> {
    for (k, layer) in layers.iter().enumerate().take(q).skip(p + 1) {
        let any = (**layer).as_any();
        let per_neuron =
            any.is::<ActivationLayer<F>>() || any.is::<Dropout<F>>() || any.is::<BatchNorm1d<F>>();
        if !per_neuron {
            return Err(Error::value(
                "shrink",
                "only activations, Dropout and BatchNorm1d between two Linear layers (they act per neuron)",
                format!("{} at layer {k}", layer.describe()),
            ));
        }
    }
    Ok(())
}

/// Removes the dead outputs of the Linear at `p` (and the matching inputs of the one at
/// `q`, the batch-norm entries between); returns the removed neurons.
fn shrink_pair<F: Float>(
    layers: &mut [Box<dyn Layer<F>>],
    p: usize,
    q: usize,
    modules: &[usize],
) -> Result<Vec<usize>> {
    let (first, next) = match (as_linear(&*layers[p]), as_linear(&*layers[q])) {
        (Some(a), Some(b)) => (a.clone(), b.clone()),
        _ => return Ok(Vec::new()),
    };
    let (w1, w2) = (first.weight().matrix()?, next.weight().matrix()?);
    let zero = |v: ndarray::ArrayView1<'_, F>| v.iter().all(|&x| x == F::zero());
    let hidden = w1.nrows();
    let mut removed: Vec<usize> = (0..hidden)
        .filter(|&j| zero(w1.row(j)) || zero(w2.column(j)))
        .collect();
    if removed.len() == hidden {
        removed.remove(0);
    }
    if removed.is_empty() {
        return Ok(removed);
    }
    let keep: Vec<usize> = (0..hidden).filter(|j| !removed.contains(j)).collect();
    let constants = dead_outputs(layers, p, q, first.in_features())?;
    let mut bias = next.bias().map_or_else(
        || Array1::zeros(w2.nrows()),
        |b| b.value().iter().copied().collect(),
    );
    for &j in removed.iter().filter(|&&j| zero(w1.row(j))) {
        bias.scaled_add(constants[j], &w2.column(j));
    }
    let rows = w1.select(Axis(0), &keep);
    let b1 = first
        .bias()
        .map(|b| b.value().iter().copied().collect::<Array1<F>>());
    let b1 = b1.map(|b| b.select(Axis(0), &keep));
    let had_bias = next.bias().is_some() || bias.iter().any(|&b| b != F::zero());
    let cols: Array2<F> = w2.select(Axis(1), &keep);
    let new_first = relinear(rows, b1, &first, modules[p])?;
    let new_next = relinear(cols, had_bias.then_some(bias), &next, modules[q])?;
    layers[p] = Box::new(new_first);
    layers[q] = Box::new(new_next);
    for k in p + 1..q {
        if let Some(bn) = (*layers[k]).as_any().downcast_ref::<BatchNorm1d<F>>() {
            let mut small = bn.select_features(&keep)?;
            small.prefix_names(&format!("{}.", modules[k]));
            layers[k] = Box::new(small);
        }
    }
    Ok(removed)
}

/// What each output of the Linear at `p` becomes after the layers up to `q` (in eval mode)
/// when its weight row is zero: its constant output, whatever the input.
fn dead_outputs<F: Float>(
    layers: &[Box<dyn Layer<F>>],
    p: usize,
    q: usize,
    inputs: usize,
) -> Result<Vec<F>> {
    let mut row = Array2::<F>::zeros((1, inputs));
    for layer in &layers[p..q] {
        let mut copy = layer.clone();
        row = copy.forward(row.view(), Mode::Eval)?.to_owned();
    }
    Ok(row.iter().copied().collect())
}

/// A new Linear with `weight` and `bias`, `like`'s activation, named for module `module`.
fn relinear<F: Float>(
    weight: Array2<F>,
    bias: Option<Array1<F>>,
    like: &Linear<F>,
    module: usize,
) -> Result<Linear<F>> {
    let mut out = Linear::from_weights(weight, bias)?.with_activation(like.activation())?;
    out.prefix_names(&format!("{module}."));
    Ok(out)
}
