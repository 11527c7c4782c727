//! The bf16 product on processors without `vdpbf16ps`: the inputs rounded to bf16 while
//! packing and kept as `f32` (a bf16 value is the upper half of an `f32`), each pair
//! `(2q, 2q + 1)` laid out odd value first, so that the `f32` micro-kernel's chain of fused
//! multiply-adds is the instruction's arithmetic: `t = acc + a₂q₊₁·b₂q₊₁`, then
//! `acc = t + a₂q·b₂q`, each rounded once to `f32`.
//!
//! A bf16 product is exact in `f32` unless it falls below the `f32` range, so a fused and an
//! unfused multiply-add round alike; what the plain `f32` kernel does not do is flush
//! subnormal sums to zero (the instruction's FTZ). It never has to when no sum can be
//! subnormal, and that is known from the smallest exponents: every nonzero product of a
//! panel pair is a multiple of `2^(eₐ + e_b − 14)` (eight significant bits each), and so is
//! every sum of such products and its rounding, so with `eₐ + e_b ≥ −112` no nonzero sum lies
//! below `2⁻¹²⁶`. Each packed panel ends with the smallest biased exponent of its nonzero
//! values; a tile whose two panels pass that test runs the `f32` kernel, any other tile the
//! flushing kernel here (same order, a flush after every sum). Packing cannot make a
//! subnormal bf16: subnormal `f32` inputs become zeros (DAZ), and a normal `f32` rounds to a
//! normal bf16.

use ndarray::ArrayView2;

use super::kernel::{KernelChoice, MAX_TILE};

/// Panel lanes of one pair: the odd value's depth, then the even one's.
const DEPTHS_PER_PAIR: usize = 2;
/// Biased exponent recorded for a panel without a nonzero value (no constraint).
const NO_EXPONENT: u32 = 255;
/// Smallest `eₐ + e_b` (biased, so `−112 + 2·127`) for which no sum can be subnormal.
const EXACT_EXPONENT_SUM: u32 = 142;

/// `u32` slots of a widened panel of `width` lanes for `k2` pairs: the values and the
/// exponent slot.
pub(super) fn panel_len(k2: usize, width: usize) -> usize {
    DEPTHS_PER_PAIR * k2 * width + 1
}

/// Packs lines `first..first + lines` of `x` (A, or Bᵀ) as `f32` bits of their bf16
/// roundings: depth `2q` holds column `2q + 1` of each line, depth `2q + 1` column `2q` (an
/// odd `k` gives the last pair a zero odd value), `width` lanes per depth, those past
/// `lines` zero; the last slot is the smallest biased exponent of a nonzero value.
///
/// The values are first packed as the `f32` GEMM packs them (vector transposes where the
/// lines run along `k`), then rounded and their pairs swapped in one pass over the panel.
pub(super) fn pack_panel(
    x: &ArrayView2<'_, f32>,
    first: usize,
    lines: usize,
    panel: &mut [u32],
    width: usize,
) {
    let k = x.ncols();
    assert!(first + lines <= x.nrows() && lines <= width);
    assert_eq!(panel.len(), panel_len(k.div_ceil(2), width));
    let (values, slot) = panel.split_at_mut(panel.len() - 1);
    let (rs, cs) = (x.strides()[0], x.strides()[1]);
    // SAFETY: u32 and f32 have one size and alignment; lines first..first + lines of the
    // view hold k values each at these strides, and `values` holds 2·⌈k/2⌉·width ≥ k·width
    // slots.
    unsafe {
        let floats =
            std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<f32>(), values.len());
        let start = x.as_ptr().offset(first as isize * rs);
        super::gemm::pack(floats, start, rs, cs, lines, k, width);
    }
    if k % 2 == 1 {
        values[k * width..].fill(0);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected just above.
        slot[0] = unsafe { round_and_swap_pairs_avx2(values, width) };
        return;
    }
    slot[0] = round_and_swap_pairs(values, width);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn round_and_swap_pairs_avx2(values: &mut [u32], width: usize) -> u32 {
    round_and_swap_pairs(values, width)
}

/// Rounds the `f32` bits of a packed panel to bf16 and swaps each pair of depths (`width`
/// lanes each); returns the smallest biased exponent of a nonzero value. The rounding is
/// one flat pass (contiguous, so it vectorises), the swaps are row copies.
#[inline(always)]
fn round_and_swap_pairs(values: &mut [u32], width: usize) -> u32 {
    let mut smallest = NO_EXPONENT;
    for v in values.iter_mut() {
        *v = rounded_bits(*v);
        smallest = smallest.min(exponent_or_none(*v));
    }
    for pair in values.chunks_exact_mut(2 * width) {
        let (even, odd) = pair.split_at_mut(width);
        even.swap_with_slice(odd);
    }
    smallest
}

/// The `f32` bits (the bf16 value in the upper half) of the rounding `vcvtneps2bf16` makes
/// of the `f32` with `bits`: a NaN quieted, a subnormal a zero of its sign, every other value
/// to nearest even; branch-free so that loops over it vectorise.
#[inline(always)]
pub(super) fn rounded_bits(bits: u32) -> u32 {
    let quiet_nan = (bits | 0x0040_0000) & 0xFFFF_0000;
    let signed_zero = bits & 0x8000_0000;
    let nearest = bits.wrapping_add(0x7FFF + ((bits >> 16) & 1)) & 0xFFFF_0000;
    if bits & 0x7FFF_FFFF > 0x7F80_0000 {
        quiet_nan
    } else if bits & 0x7F80_0000 == 0 {
        signed_zero
    } else {
        nearest
    }
}

/// The biased exponent of `bits`, or [`NO_EXPONENT`] for a zero.
#[inline(always)]
fn exponent_or_none(bits: u32) -> u32 {
    let e = (bits >> 23) & 0xFF;
    if bits & 0x7FFF_FFFF == 0 {
        NO_EXPONENT
    } else {
        e
    }
}

/// One tile of the widened product: `α·sum (+ β·C)`, the sums by `kernel` where the two
/// panels' exponents rule out subnormal sums, else by the flushing kernel.
///
/// # Safety
/// `a` and `b` must be panels of [`panel_len`]`(k2, kernel.mr)` and `(k2, kernel.nr)`
/// slots; `c` with strides `(rs, cs)` must address a writable `rows × cols` block
/// (`rows ≤ mr`, `cols ≤ nr`) that no other thread touches meanwhile.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn tile(
    kernel: KernelChoice<f32>,
    k2: usize,
    a: &[u32],
    b: &[u32],
    c: *mut f32,
    (rs, cs): (isize, isize),
    (rows, cols): (usize, usize),
    (alpha, beta): (f32, f32),
) {
    let (mr, nr) = (kernel.mr, kernel.nr);
    let depth = DEPTHS_PER_PAIR * k2;
    let exact = a[a.len() - 1] + b[b.len() - 1] >= EXACT_EXPONENT_SUM;
    let (ap, bp) = (a.as_ptr().cast::<f32>(), b.as_ptr().cast::<f32>());
    if exact && rows == mr && cols == nr {
        // SAFETY: the panels hold depth·mr and depth·nr values; the tile is the caller's.
        unsafe { (kernel.run)(depth, alpha, ap, bp, beta, c, rs, cs) };
        return;
    }
    let mut sums = [0.0f32; MAX_TILE];
    if exact {
        // SAFETY: as above, into `sums` (mr·nr ≤ MAX_TILE values, rows nr apart).
        unsafe { (kernel.run)(depth, 1.0, ap, bp, 0.0, sums.as_mut_ptr(), nr as isize, 1) };
    } else {
        // SAFETY: as above.
        unsafe { flushing_sums(mr, nr, depth, ap, bp, &mut sums) };
    }
    for i in 0..rows {
        for j in 0..cols {
            // SAFETY: (i, j) lies in the caller's block.
            unsafe {
                let p = c.offset(i as isize * rs + j as isize * cs);
                let v = alpha * sums[i * nr + j];
                *p = if beta == 0.0 { v } else { v + beta * *p };
            }
        }
    }
}

/// The sums of an `mr × nr` tile, each flushed to zero whenever it is subnormal, into
/// `sums` (rows `nr` apart), by the vector width that matches the kernel's tile.
///
/// # Safety
/// `a` and `b` must hold `depth·mr` and `depth·nr` values.
unsafe fn flushing_sums(
    mr: usize,
    nr: usize,
    depth: usize,
    a: *const f32,
    b: *const f32,
    sums: &mut [f32; MAX_TILE],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if (mr, nr) == (12, 32) && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected; the caller's guarantee for the panels.
            return unsafe { flushing_avx512::<12, 32>(depth, a, b, sums) };
        }
        if (mr, nr) == (6, 16)
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: AVX2 and FMA were detected; the caller's guarantee for the panels.
            return unsafe { flushing_avx2::<6, 16>(depth, a, b, sums) };
        }
    }
    match (mr, nr) {
        // SAFETY: the caller's guarantee for the panels.
        (4, 8) => unsafe { flushing_body::<4, 8>(depth, a, b, sums) },
        (12, 32) => unsafe { flushing_body::<12, 32>(depth, a, b, sums) },
        _ => unsafe { flushing_body::<6, 16>(depth, a, b, sums) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn flushing_avx512<const MR: usize, const NR: usize>(
    depth: usize,
    a: *const f32,
    b: *const f32,
    sums: &mut [f32; MAX_TILE],
) {
    // SAFETY: the caller's guarantee.
    unsafe { flushing_body::<MR, NR>(depth, a, b, sums) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn flushing_avx2<const MR: usize, const NR: usize>(
    depth: usize,
    a: *const f32,
    b: *const f32,
    sums: &mut [f32; MAX_TILE],
) {
    // SAFETY: the caller's guarantee.
    unsafe { flushing_body::<MR, NR>(depth, a, b, sums) }
}

/// [`flushing_sums`] for one tile shape: a correctly rounded multiply-add (`mul_add`, one
/// instruction where FMA is enabled), then a subnormal result becomes a zero of its sign.
///
/// # Safety
/// `a` and `b` must hold `depth·MR` and `depth·NR` values.
#[inline(always)]
unsafe fn flushing_body<const MR: usize, const NR: usize>(
    depth: usize,
    a: *const f32,
    b: *const f32,
    sums: &mut [f32; MAX_TILE],
) {
    let mut acc = [[0.0f32; NR]; MR];
    for d in 0..depth {
        // SAFETY: depth d of both panels is inside them (the caller's guarantee).
        let (av, bv) = unsafe {
            (
                a.add(d * MR).cast::<[f32; MR]>().read_unaligned(),
                b.add(d * NR).cast::<[f32; NR]>().read_unaligned(),
            )
        };
        for (row, &ai) in acc.iter_mut().zip(&av) {
            for (s, &bj) in row.iter_mut().zip(&bv) {
                *s = flush_subnormal(ai.mul_add(bj, *s));
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        sums[i * NR..(i + 1) * NR].copy_from_slice(row);
    }
}

/// `x`, or a zero of its sign when `x` is subnormal (branch-free, so that it vectorises).
#[inline(always)]
fn flush_subnormal(x: f32) -> f32 {
    let bits = x.to_bits();
    let keep = if bits & 0x7F80_0000 == 0 {
        0x8000_0000
    } else {
        u32::MAX
    };
    f32::from_bits(bits & keep)
}

/// The name of the widened path for `kernel`'s tile shape.
pub(super) fn name(kernel: KernelChoice<f32>) -> &'static str {
    match (kernel.mr, kernel.nr) {
        (12, 32) => "avx512f",
        (6, 16) => "avx2",
        _ => "generic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flushing_keeps_signs_and_normals() {
        assert_eq!(flush_subnormal(-1e-40).to_bits(), 0x8000_0000);
        assert_eq!(flush_subnormal(1e-40).to_bits(), 0);
        assert_eq!(flush_subnormal(f32::MIN_POSITIVE), f32::MIN_POSITIVE);
        assert_eq!(flush_subnormal(-2.5), -2.5);
        assert!(flush_subnormal(f32::NAN).is_nan());
    }

    #[test]
    fn the_exponent_slot_is_the_smallest_nonzero_exponent() {
        let x = ndarray::array![[0.0f32, 1.0, -0.0], [2f32.powi(-60), 3.0, 0.0]];
        let mut panel = vec![7u32; panel_len(2, 4)];
        pack_panel(&x.view(), 0, 2, &mut panel, 4);
        assert_eq!(panel[panel.len() - 1], 127 - 60);
        let zeros = ndarray::Array2::<f32>::zeros((3, 3));
        pack_panel(&zeros.view(), 0, 3, &mut panel, 4);
        assert_eq!(panel[panel.len() - 1], NO_EXPONENT);
        // Depth 0 holds column 1 (the odd one), depth 1 column 0, lanes past the lines zero.
        pack_panel(&x.view(), 0, 2, &mut panel, 4);
        assert_eq!(f32::from_bits(panel[0]), 1.0);
        assert_eq!(f32::from_bits(panel[1]), 3.0);
        assert_eq!(&panel[2..4], &[0, 0]);
        assert_eq!(f32::from_bits(panel[5]), 2f32.powi(-60));
        // Column 2 is the even value of the second pair (depth 3); its odd partner is zero.
        assert_eq!(&panel[8..12], &[0, 0, 0, 0]);
        assert_eq!(panel[12], 0x8000_0000);
    }
}
