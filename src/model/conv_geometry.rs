//! The shape arithmetic of a convolution: padding, output sizes and the checks that go with
//! them, shared by `Conv1d` and `Conv2d` (a `Conv1d` is the `H = 1` case).

use super::layer::describe_shape;
use crate::{Error, Result};

/// Zero padding of a convolution: explicit sizes per side, or `"same"` (PyTorch's
/// `padding="same"`, stride 1 only: the output has the input's size, and an odd total padding
/// puts the extra row / column at the bottom / right, as PyTorch does).
///
/// ```
/// use tuneup::model::Padding;
/// assert_eq!(Padding::from(1), Padding::Explicit(1, 1));
/// assert_eq!(Padding::from((0, 2)), Padding::Explicit(0, 2));
/// assert_ne!(Padding::Same, Padding::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Pad so that a stride-1 output has the input's height and width.
    Same,
    /// Zeros added on both sides: (rows above and below, columns left and right). A `Conv1d`
    /// uses the second number (the first must equal it or be 0).
    Explicit(usize, usize),
}

impl Default for Padding {
    fn default() -> Self {
        Padding::Explicit(0, 0)
    }
}

impl From<usize> for Padding {
    fn from(p: usize) -> Self {
        Padding::Explicit(p, p)
    }
}

impl From<(usize, usize)> for Padding {
    fn from((h, w): (usize, usize)) -> Self {
        Padding::Explicit(h, w)
    }
}

/// What a convolution is asked to be, before it is checked against an input size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvSpec {
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub padding: Padding,
    pub dilation: (usize, usize),
    pub groups: usize,
}

/// A checked convolution geometry: every size of the input, kernel and output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    pub in_channels: usize,
    pub out_channels: usize,
    pub groups: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub kernel_h: usize,
    pub kernel_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub out_h: usize,
    pub out_w: usize,
}

/// `Some(product)` when it fits in `usize`.
pub(crate) fn checked_product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// Checks the per-sample shape an image layer receives: exactly `expected` (`[C, H, W]` or
/// `[C, L]`), or its flattened size (what a dense layer or a `Residual` reports).
pub(crate) fn check_image_shape(layer: &str, input: &[usize], expected: &[usize]) -> Result<()> {
    let flat = expected.iter().product::<usize>();
    if input == expected || input == [flat] {
        return Ok(());
    }
    Err(Error::shape(
        layer,
        format!("input of shape {}", describe_shape(expected)),
        describe_shape(input),
    ))
}

/// Checks that `value ≥ 1`, naming `layer.parameter`.
pub(crate) fn at_least_one(layer: &str, parameter: &str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(Error::config(
            format!("{layer}.{parameter}"),
            0,
            "at least 1",
        ));
    }
    Ok(())
}

/// The output length of one axis: `(len + before + after − d·(k − 1) − 1) / s + 1`, or a shape
/// error when the dilated kernel does not fit the padded input.
pub(crate) fn output_len(
    layer: &str,
    axis: &str,
    len: usize,
    pads: (usize, usize),
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> Result<usize> {
    let too_large = || Error::shape(layer, format!("a {axis} that fits in memory"), "overflow");
    let padded = len
        .checked_add(pads.0)
        .and_then(|n| n.checked_add(pads.1))
        .ok_or_else(too_large)?;
    let span = (kernel - 1)
        .checked_mul(dilation)
        .and_then(|n| n.checked_add(1))
        .ok_or_else(too_large)?;
    if span > padded {
        return Err(Error::shape(
            layer,
            format!("a kernel {axis} of at most the padded input {axis} {padded}"),
            format!("a (dilated) kernel {axis} of {span}"),
        ));
    }
    Ok((padded - span) / stride + 1)
}

impl ConvGeometry {
    /// Checks `spec` against an input of `in_h × in_w`; `layer` names it in errors.
    pub(crate) fn new(layer: &str, spec: &ConvSpec, in_h: usize, in_w: usize) -> Result<Self> {
        at_least_one(layer, "in_channels", spec.in_channels)?;
        at_least_one(layer, "out_channels", spec.out_channels)?;
        at_least_one(layer, "kernel_size", spec.kernel.0.min(spec.kernel.1))?;
        at_least_one(layer, "stride", spec.stride.0.min(spec.stride.1))?;
        at_least_one(layer, "dilation", spec.dilation.0.min(spec.dilation.1))?;
        at_least_one(layer, "groups", spec.groups)?;
        at_least_one(layer, "input height", in_h)?;
        at_least_one(layer, "input width", in_w)?;
        for (what, channels) in [
            ("in_channels", spec.in_channels),
            ("out_channels", spec.out_channels),
        ] {
            if channels % spec.groups != 0 {
                return Err(Error::config(
                    format!("{layer}.groups"),
                    spec.groups,
                    format!("a divisor of {what} = {channels}"),
                ));
            }
        }
        let (kh, kw) = spec.kernel;
        let (dh, dw) = spec.dilation;
        let (pads_h, pads_w) = match spec.padding {
            Padding::Explicit(ph, pw) => ((ph, ph), (pw, pw)),
            Padding::Same => {
                if spec.stride != (1, 1) {
                    return Err(Error::config(
                        format!("{layer}.padding"),
                        "\"same\"",
                        format!(
                            "stride 1 (found stride {:?}); use explicit padding",
                            spec.stride
                        ),
                    ));
                }
                let same = |k: usize, d: usize| {
                    let total = (k - 1).saturating_mul(d);
                    (total / 2, total - total / 2)
                };
                (same(kh, dh), same(kw, dw))
            }
        };
        let out_h = output_len(layer, "height", in_h, pads_h, kh, spec.stride.0, dh)?;
        let out_w = output_len(layer, "width", in_w, pads_w, kw, spec.stride.1, dw)?;
        let geometry = ConvGeometry {
            in_channels: spec.in_channels,
            out_channels: spec.out_channels,
            groups: spec.groups,
            in_h,
            in_w,
            kernel_h: kh,
            kernel_w: kw,
            stride_h: spec.stride.0,
            stride_w: spec.stride.1,
            pad_top: pads_h.0,
            pad_left: pads_w.0,
            dilation_h: dh,
            dilation_w: dw,
            out_h,
            out_w,
        };
        let sizes = [
            checked_product(&[spec.in_channels, in_h, in_w]),
            checked_product(&[spec.out_channels, out_h, out_w]),
            checked_product(&[spec.in_channels, kh, kw, out_h, out_w]),
            checked_product(&[spec.out_channels, spec.in_channels, kh, kw]),
        ];
        if sizes.iter().any(Option::is_none) {
            return Err(Error::shape(
                layer,
                "input, output, weight and column sizes that fit in memory",
                format!(
                    "{} × {in_h} × {in_w} input, {kh} × {kw} kernel",
                    spec.in_channels
                ),
            ));
        }
        Ok(geometry)
    }

    /// Values in one input row: C·H·W.
    pub(crate) fn in_size(&self) -> usize {
        self.in_channels * self.in_h * self.in_w
    }

    /// Values in one output row: O·OH·OW.
    pub(crate) fn out_size(&self) -> usize {
        self.out_channels * self.out_pixels()
    }

    /// Output positions per channel: OH·OW.
    pub(crate) fn out_pixels(&self) -> usize {
        self.out_h * self.out_w
    }

    /// Input channels per group.
    pub(crate) fn group_in(&self) -> usize {
        self.in_channels / self.groups
    }

    /// Output channels per group.
    pub(crate) fn group_out(&self) -> usize {
        self.out_channels / self.groups
    }

    /// Weight columns per output channel: (C / groups)·kH·kW.
    pub(crate) fn patch(&self) -> usize {
        self.group_in() * self.kernel_h * self.kernel_w
    }

    /// Depthwise: one input channel per group.
    pub(crate) fn is_depthwise(&self) -> bool {
        self.groups == self.in_channels && self.groups > 1
    }
}

/// The output positions `lo..hi` (of `out` along an axis) whose input index
/// `o·stride + offset` lies in `0..len`.
#[inline(always)]
pub(crate) fn valid_range(offset: isize, stride: usize, len: usize, out: usize) -> (usize, usize) {
    let s = stride as isize;
    let lo = if offset >= 0 {
        0
    } else {
        ((-offset + s - 1) / s) as usize
    };
    let room = len as isize - offset;
    let hi = if room <= 0 {
        0
    } else {
        ((room + s - 1) / s) as usize
    };
    let lo = lo.min(out);
    (lo, hi.min(out).max(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ranges_cover_exactly_the_in_bounds_positions() {
        for stride in 1..4 {
            for offset in -5isize..6 {
                for len in 1..7 {
                    let out = 6;
                    let (lo, hi) = valid_range(offset, stride, len, out);
                    for o in 0..out {
                        let i = (o * stride) as isize + offset;
                        let inside = i >= 0 && i < len as isize;
                        assert_eq!(inside, (lo..hi).contains(&o), "{stride} {offset} {len} {o}");
                    }
                }
            }
        }
    }

    #[test]
    fn same_padding_puts_the_odd_pad_at_the_end() {
        let spec = ConvSpec {
            in_channels: 1,
            out_channels: 1,
            kernel: (4, 3),
            stride: (1, 1),
            padding: Padding::Same,
            dilation: (1, 2),
            groups: 1,
        };
        let g = ConvGeometry::new("Conv2d", &spec, 5, 7).unwrap();
        assert_eq!((g.out_h, g.out_w, g.pad_top, g.pad_left), (5, 7, 1, 2));
    }
}
