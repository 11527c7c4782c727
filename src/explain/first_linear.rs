//! A model whose first layer is dense, evaluated on masked rows by differences. A masked row
//! takes some columns from the explained row and the rest from a background row, so its
//! first-layer pre-activation is the background row's plus, for each column taken from the
//! explained row, that column's weights times the difference (or the explained row's minus
//! the columns kept from the background, when those are fewer): a few vector additions in
//! place of a full product, the same value up to rounding.

use super::target::outputs;
use crate::linalg::Precision;
use crate::model::wide::{widest, Kernel};
use crate::model::{matmul_precisions, Activation, Layer, Linear, Sequential};
use crate::{Error, Float, Result};
use ndarray::{Axis, CowArray};

/// The first dense layer of a `Sequential` (or a lone `Linear`) and the layers after it.
pub(crate) struct FirstLinear<F: Float> {
    /// The weight transposed: one row of `hidden` weights per input column.
    weights_t: Vec<F>,
    bias: Vec<F>,
    hidden: usize,
    activation: Activation,
    /// The layers between the first and the last.
    tail: Option<Sequential<F>>,
    /// A last dense layer without activation: its mean output over a coalition's rows is
    /// its output at their mean input, one product per coalition instead of one per row.
    last: Option<LastLinear<F>>,
}

/// A last `Linear` without activation, `outputs × inputs` row-major.
struct LastLinear<F> {
    weights: Vec<F>,
    bias: Vec<F>,
    inputs: usize,
}

impl<F: Float> LastLinear<F> {
    /// `layer` when it is an `f32`-product `Linear` without activation.
    fn of(layer: &dyn Layer<F>) -> Option<Self> {
        let linear = layer.as_any().downcast_ref::<Linear<F>>()?;
        let plain = linear.activation() == Activation::Identity
            && matmul_precisions(linear) == [Precision::F32];
        plain.then(|| LastLinear {
            weights: linear.weight().value_slice().to_vec(),
            bias: linear.bias().map_or_else(
                || vec![F::zero(); linear.out_features()],
                |b| b.value_slice().to_vec(),
            ),
            inputs: linear.in_features(),
        })
    }
}

/// The explained row and the background as first-layer pre-activations and differences.
pub(crate) struct Bases<F> {
    /// `n × hidden`: each background row's pre-activation.
    background: Vec<F>,
    /// `hidden`: the explained row's pre-activation.
    explained: Vec<F>,
    /// `n × width`: explained row minus each background row.
    delta: Vec<F>,
}

impl<F: Float> FirstLinear<F> {
    /// The split of `model` when it is a `Sequential` whose first layer is an `f32`-product
    /// `Linear` reading `width` columns, or such a `Linear` alone; else `None` (the masker
    /// then runs the whole model on filled rows).
    pub(crate) fn split(model: &dyn Layer<F>, width: usize) -> Option<Self> {
        let (first, rest): (&dyn Layer<F>, &[Box<dyn Layer<F>>]) =
            match model.as_any().downcast_ref::<Sequential<F>>() {
                Some(seq) => (seq.layers().first()?.as_ref(), &seq.layers()[1..]),
                None => (model, &[]),
            };
        let linear = first.as_any().downcast_ref::<Linear<F>>()?;
        if linear.in_features() != width || matmul_precisions(linear) != [Precision::F32] {
            return None;
        }
        let hidden = linear.out_features();
        let w = linear.weight().value_slice();
        let mut weights_t = vec![F::zero(); width * hidden];
        for (h, row) in w.chunks_exact(width).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                weights_t[j * hidden + h] = v;
            }
        }
        let bias = linear
            .bias()
            .map_or_else(|| vec![F::zero(); hidden], |b| b.value_slice().to_vec());
        let last = rest.last().and_then(|l| LastLinear::of(l.as_ref()));
        let middle = match last {
            Some(_) => &rest[..rest.len() - 1],
            None => rest,
        };
        let tail = (!middle.is_empty()).then(|| Sequential::from_named_layers(middle.to_vec()));
        Some(FirstLinear {
            weights_t,
            bias,
            hidden,
            activation: linear.activation(),
            tail,
            last,
        })
    }

    /// The pre-activation `W·v + b` of one row `v`.
    fn pre_activation(&self, v: &[F], out: &mut [F]) {
        out.copy_from_slice(&self.bias);
        for (&vj, w) in v.iter().zip(self.weights_t.chunks_exact(self.hidden)) {
            axpy(out, vj, w);
        }
    }

    /// The pre-activations and differences every coalition of the explained row `x` starts
    /// from (`background` row-major, `n × width`).
    pub(crate) fn bases(&self, x: &[F], background: &[F]) -> Bases<F> {
        let (width, h) = (x.len(), self.hidden);
        let n = background.len() / width.max(1);
        let mut bases = Bases {
            background: vec![F::zero(); n * h],
            explained: vec![F::zero(); h],
            delta: Vec::with_capacity(n * width),
        };
        for (b, out) in background
            .chunks_exact(width)
            .zip(bases.background.chunks_exact_mut(h))
        {
            self.pre_activation(b, out);
            bases
                .delta
                .extend(x.iter().zip(b).map(|(&xv, &bv)| xv - bv));
        }
        self.pre_activation(x, &mut bases.explained);
        bases
    }

    /// The first layer's pre-activations of one coalition's `n` masked rows (the columns
    /// with `take_x` from the explained row), into `block` (`n × hidden`); `columns` is
    /// scratch space.
    pub(crate) fn coalition(
        &self,
        bases: &Bases<F>,
        take_x: &[bool],
        columns: &mut Vec<usize>,
        block: &mut [F],
    ) {
        let (width, h) = (take_x.len(), self.hidden);
        let taken = take_x.iter().filter(|&&t| t).count();
        // Start from whichever side shares more columns with the masked rows.
        let from_background = taken <= width - taken;
        columns.clear();
        columns.extend((0..width).filter(|&j| take_x[j] == from_background));
        let mut rows = Rows {
            bases,
            weights_t: &self.weights_t,
            columns,
            from_background,
            block,
            width,
            h,
        };
        widest(&mut rows);
    }

    /// Width of the first layer's output.
    pub(crate) fn hidden(&self) -> usize {
        self.hidden
    }

    /// The mean output `column` over each block of `n` rows of first-layer pre-activations
    /// `pre` (`rows × hidden`, replaced by the activations), appended to `means`.
    pub(crate) fn means(
        &mut self,
        pre: &mut [F],
        n: usize,
        column: usize,
        means: &mut Vec<F>,
    ) -> Result<()> {
        self.activation.apply_in_place(pre);
        let rows = pre.len() / self.hidden;
        let hidden = ndarray::ArrayView2::from_shape((rows, self.hidden), &*pre)
            .expect("pre-activations hold rows × hidden values");
        let out = match self.tail.as_mut() {
            Some(tail) => CowArray::from(outputs(tail, hidden)?),
            None => CowArray::from(hidden),
        };
        let scale = F::one() / F::from_count(n);
        match &self.last {
            Some(last) if out.ncols() != last.inputs => Err(Error::shape(
                "KernelShap / ExactShap (the model's last layer)",
                format!("{} input columns", last.inputs),
                format!("{} from the layer before", out.ncols()),
            )),
            Some(last) => {
                let data = out.as_standard_layout();
                let mut sums = Sums {
                    rows: data.as_slice().unwrap_or_default(),
                    block: n * last.inputs,
                    width: last.inputs,
                    sum: vec![F::zero(); last.inputs],
                    weights: &last.weights[column * last.inputs..(column + 1) * last.inputs],
                    out: means,
                    scale,
                    bias: last.bias[column],
                };
                widest(&mut sums);
                Ok(())
            }
            None => {
                for block in out.axis_chunks_iter(Axis(0), n) {
                    means.push(block.column(column).sum() * scale);
                }
                Ok(())
            }
        }
    }
}

/// One coalition's masked rows (`block`, `n × h`) as differences from the side they share
/// most columns with.
struct Rows<'a, F> {
    bases: &'a Bases<F>,
    weights_t: &'a [F],
    /// The columns where the masked rows differ from that side.
    columns: &'a [usize],
    from_background: bool,
    block: &'a mut [F],
    width: usize,
    h: usize,
}

impl<F: Float> Kernel for Rows<'_, F> {
    #[inline(always)]
    fn run(&mut self) {
        let (bases, width, h) = (self.bases, self.width, self.h);
        for (b, out) in self.block.chunks_exact_mut(h).enumerate() {
            let delta = &bases.delta[b * width..(b + 1) * width];
            let (start, sign) = match self.from_background {
                true => (&bases.background[b * h..(b + 1) * h], F::one()),
                false => (&bases.explained[..], -F::one()),
            };
            out.copy_from_slice(start);
            for &j in self.columns {
                axpy(out, sign * delta[j], &self.weights_t[j * h..(j + 1) * h]);
            }
        }
    }
}

/// The last layer's output at the mean of each block of rows: `w·(Σ rows)·scale + bias`.
struct Sums<'a, F> {
    rows: &'a [F],
    /// Values per block (`n` rows of `width`).
    block: usize,
    width: usize,
    sum: Vec<F>,
    weights: &'a [F],
    out: &'a mut Vec<F>,
    scale: F,
    bias: F,
}

impl<F: Float> Kernel for Sums<'_, F> {
    #[inline(always)]
    fn run(&mut self) {
        for block in self.rows.chunks(self.block) {
            self.sum.fill(F::zero());
            for row in block.chunks_exact(self.width) {
                axpy(&mut self.sum, F::one(), row);
            }
            let dot = self
                .sum
                .iter()
                .zip(self.weights)
                .fold(F::zero(), |acc, (&s, &w)| acc + s * self.scale * w);
            self.out.push(dot + self.bias);
        }
    }
}

/// `out += a·w`.
#[inline(always)]
fn axpy<F: Float>(out: &mut [F], a: F, w: &[F]) {
    for (o, &wv) in out.iter_mut().zip(w) {
        *o += a * wv;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActivationLayer, Mlp};

    #[test]
    fn splits_only_a_dense_first_layer_of_the_right_width_and_precision() {
        let net = Mlp::new(&[3, 4, 2]).build::<f64>().unwrap();
        let split = FirstLinear::split(&net, 3).expect("a Sequential starting with Linear");
        assert_eq!(split.hidden(), 4);
        assert!(split.last.is_some(), "the output layer is a plain Linear");
        assert!(FirstLinear::split(&net, 5).is_none());
        let lone = Linear::<f64>::new(3, 2, 0).unwrap();
        assert!(FirstLinear::split(&lone, 3).unwrap().tail.is_none());
        let mut wrapped = Sequential::new();
        wrapped.add(ActivationLayer::new(Activation::Identity).unwrap());
        wrapped.add(net.clone());
        assert!(FirstLinear::split(&wrapped, 3).is_none());
        let mut bf16 = Mlp::new(&[3, 4, 2]).build::<f32>().unwrap();
        crate::model::set_matmul_precision(&mut bf16, Precision::Bf16).unwrap();
        assert!(FirstLinear::split(&bf16, 3).is_none());
    }

    #[test]
    fn a_last_layer_of_another_width_is_an_error_not_a_wrong_mean() {
        let mut net = Sequential::<f64>::new();
        net.add(Linear::new(3, 4, 0).unwrap());
        net.add(Linear::new(4, 6, 1).unwrap());
        net.add(Linear::new(5, 2, 2).unwrap());
        let mut split = FirstLinear::split(&net, 3).unwrap();
        let mut pre = vec![0.5; 2 * 4];
        let err = split.means(&mut pre, 2, 0, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err}");
    }

    #[test]
    fn a_coalition_by_differences_equals_the_product_of_the_filled_rows() {
        let lin = Linear::<f64>::new(3, 2, 7).unwrap();
        let split = FirstLinear::split(&lin, 3).unwrap();
        let background = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75];
        let x = [1.0, 2.0, 3.0];
        let bases = split.bases(&x, &background);
        let w = lin.weight().value_slice().to_vec();
        let b = lin.bias().unwrap().value_slice().to_vec();
        for take in [
            [true, false, false],
            [true, true, false],
            [false, false, false],
        ] {
            let mut block = vec![0.0; 4];
            split.coalition(&bases, &take, &mut Vec::new(), &mut block);
            for (r, bg) in background.chunks(3).enumerate() {
                let z: Vec<f64> = (0..3).map(|j| if take[j] { x[j] } else { bg[j] }).collect();
                for h in 0..2 {
                    let direct = b[h] + (0..3).map(|j| w[h * 3 + j] * z[j]).sum::<f64>();
                    assert!((block[r * 2 + h] - direct).abs() < 1e-12, "{take:?}");
                }
            }
        }
    }
}
