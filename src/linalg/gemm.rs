//! Cache-blocked matrix multiply into preallocated outputs, with caller-owned packing space.
//!
//! `ndarray`'s `general_mat_mul` (through `matrixmultiply`) allocates its packing buffers on
//! every call; the training hot path must not allocate, so the layers call [`gemm`] with a
//! [`GemmWorkspace`] they keep. The loop order is the classic Goto/BLIS one: `NC`-wide column
//! blocks of `B`, `KC`-deep slices packed into `NR`-wide panels, `MC`-tall row blocks of `A`
//! packed into `MR`-tall panels, and a register-blocked micro-kernel per tile.

use ndarray::{ArrayView2, ArrayViewMut1, ArrayViewMut2};

use super::kernel::MAX_TILE;
use crate::Float;

const KC: usize = 256;
const MC_TILES: usize = 8;
const NC: usize = 2048;
/// Depths a transposing pack copies per pass (one 64-byte line of `f32`).
const DEPTH_BLOCK: usize = 16;

/// Packing space for [`gemm`], grown on first use and reused afterwards (one set per thread
/// of a parallel product).
///
/// ```
/// # use tuneup::linalg::{gemm, GemmWorkspace};
/// use ndarray::array;
/// let a = array![[1.0f64, 2.0], [3.0, 4.0]];
/// let b = array![[5.0f64, 6.0], [7.0, 8.0]];
/// let mut c = ndarray::Array2::zeros((2, 2));
/// let mut ws = GemmWorkspace::default();
/// gemm(1.0, a.view(), b.view(), 0.0, c.view_mut(), &mut ws);
/// assert_eq!(c, array![[19.0, 22.0], [43.0, 50.0]]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct GemmWorkspace<F> {
    a: Vec<F>,
    b: Vec<F>,
    /// Packing space of the helper threads' parts.
    helpers: Vec<GemmWorkspace<F>>,
}

impl<F: Float> GemmWorkspace<F> {
    /// The packing space a block of `m × n` with depth `k` needs: `(A's, B's)` lengths.
    fn packing_lengths(m: usize, n: usize, k: usize) -> (usize, usize) {
        let kernel = F::kernel();
        let (mr, nr) = (kernel.mr, kernel.nr);
        let kc_max = KC.min(k);
        let nc_max = NC.min(n).div_ceil(nr) * nr;
        (
            (mr * MC_TILES).min(m.div_ceil(mr) * mr) * kc_max,
            nc_max * kc_max,
        )
    }

    /// Grows the packing space to what any block of an `m × n` product of depth `k` needs,
    /// whichever part of it this workspace computes.
    fn reserve_for(&mut self, m: usize, n: usize, k: usize) {
        let (a_len, b_len) = Self::packing_lengths(m, n, k);
        self.reserve(a_len, b_len);
    }

    fn reserve(&mut self, a_len: usize, b_len: usize) {
        if self.a.len() < a_len {
            self.a.resize(a_len, F::zero());
        }
        if self.b.len() < b_len {
            self.b.resize(b_len, F::zero());
        }
    }
}

/// Products with fewer multiply-adds than this run on the calling thread only.
const PARALLEL_WORK: usize = 1 << 22;

/// One product's operands as raw parts, shared by the threads computing it.
struct Product<F> {
    alpha: F,
    beta: F,
    a: *const F,
    b: *const F,
    c: *mut F,
    strides: [isize; 6],
    k: usize,
    /// Applied to every packed block of both factors before it is used (a reduced
    /// precision's rounding), or nothing.
    round: Option<fn(&mut [F])>,
}

// SAFETY: the threads of a product write disjoint tiles of `c` and only read `a` and `b`; the
// caller keeps all three borrowed until every part is done.
unsafe impl<F: Send> Sync for Product<F> {}

/// The packing spaces of a parallel product: part 0 uses `own`, part `p` uses `helpers[p − 1]`.
struct Workspaces<F> {
    own: *mut GemmWorkspace<F>,
    helpers: *mut GemmWorkspace<F>,
}

// SAFETY: each part uses its own workspace, so no two threads touch the same one.
unsafe impl<F: Send> Sync for Workspaces<F> {}

/// How a product is cut for `threads` threads: along columns (`true`) or rows, `chunk`
/// columns / rows per part (a multiple of the tile), `parts` parts. `None`: do not cut.
fn plan(m: usize, n: usize, mr: usize, nr: usize, threads: usize) -> Option<(bool, usize, usize)> {
    let (row_tiles, col_tiles) = (m.div_ceil(mr), n.div_ceil(nr));
    // Per axis, the tiles of the largest part relative to a perfect share.
    let cut = |tiles: usize| {
        let per_part = tiles.div_ceil(threads);
        (per_part, per_part * threads, tiles.div_ceil(per_part))
    };
    let (col_per, col_cost, col_parts) = cut(col_tiles);
    let (row_per, row_cost, row_parts) = cut(row_tiles);
    // Compare per_part / (tiles / threads) across the axes without division.
    let columns = col_parts > 1 && col_cost * row_tiles <= row_cost * col_tiles;
    if columns {
        Some((true, col_per * nr, col_parts))
    } else if row_parts > 1 {
        Some((false, row_per * mr, row_parts))
    } else {
        None
    }
}

/// `C ← α·A·B + β·C` for any strides (transposed views cost nothing).
///
/// With `β = 0` the old contents of `C` are never read (NaN there does not leak).
/// Shapes must agree (`A` m×k, `B` k×n, `C` m×n); a mismatch is a programming error inside the
/// crate and panics with the three shapes.
///
/// Products of at least about four million multiply-adds are cut along the columns or rows of
/// `C` at tile boundaries and shared among [`num_threads`](super::num_threads) threads; each
/// part is computed exactly as the one-thread product computes it, so the result is
/// bit-identical for every thread count. A one-column product whose `A` rows are contiguous
/// (a layer with one output) is one dot product per row instead, on the calling thread.
///
/// ```
/// # use tuneup::linalg::{gemm, GemmWorkspace};
/// use ndarray::{array, Array2};
/// let x = array![[1.0f32, 2.0, 3.0]];
/// let w = array![[1.0f32, 0.0, 1.0], [0.0, 1.0, 0.0]]; // out × in, like PyTorch
/// let mut y = Array2::zeros((1, 2));
/// gemm(1.0, x.view(), w.t(), 0.0, y.view_mut(), &mut GemmWorkspace::default());
/// assert_eq!(y, array![[4.0, 2.0]]);
/// ```
pub fn gemm<F: Float>(
    alpha: F,
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    beta: F,
    c: ArrayViewMut2<'_, F>,
    ws: &mut GemmWorkspace<F>,
) {
    gemm_with(alpha, a, b, beta, c, ws, None);
}

/// [`gemm`] of `round(A)` and `round(B)`, where `round` (an element-wise rounding, such as
/// to half precision) is applied to each packed block of the factors, so that no rounded
/// copy of them is made: the bits of [`gemm`] on rounded copies, except for a one-column
/// product, which is tiled here where [`gemm`] may take its dot-product path.
pub(super) fn gemm_of_rounded<F: Float>(
    alpha: F,
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    beta: F,
    c: ArrayViewMut2<'_, F>,
    ws: &mut GemmWorkspace<F>,
    round: fn(&mut [F]),
) {
    gemm_with(alpha, a, b, beta, c, ws, Some(round));
}

fn gemm_with<F: Float>(
    alpha: F,
    a: ArrayView2<'_, F>,
    b: ArrayView2<'_, F>,
    beta: F,
    mut c: ArrayViewMut2<'_, F>,
    ws: &mut GemmWorkspace<F>,
    round: Option<fn(&mut [F])>,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert!(
        k == k2 && c.dim() == (m, n),
        "gemm: shapes {:?} · {:?} → {:?} do not agree",
        a.dim(),
        b.dim(),
        c.dim()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == F::zero() {
        if beta == F::zero() {
            c.fill(F::zero());
        } else {
            c.mapv_inplace(|v| v * beta);
        }
        return;
    }
    if n == 1 && a.strides()[1] == 1 && round.is_none() {
        if let Some(b) = b.column(0).as_slice() {
            matrix_vector(alpha, a, b, beta, c.column_mut(0));
            return;
        }
    }
    let product = Product {
        alpha,
        beta,
        a: a.as_ptr(),
        b: b.as_ptr(),
        c: c.as_mut_ptr(),
        strides: [
            a.strides()[0],
            a.strides()[1],
            b.strides()[0],
            b.strides()[1],
            c.strides()[0],
            c.strides()[1],
        ],
        k,
        round,
    };
    let threads = if m.saturating_mul(n).saturating_mul(k) >= PARALLEL_WORK {
        super::threads::product_threads()
    } else {
        1
    };
    run_product(&product, m, n, threads, ws);
}

/// `c ← α·A·b + β·c` for a one-column product with rows of `A` contiguous: one eight-lane dot
/// product per row (a fixed order, whatever the thread count), where the tiled path would
/// compute a whole tile of columns to keep one.
fn matrix_vector<F: Float>(
    alpha: F,
    a: ArrayView2<'_, F>,
    b: &[F],
    beta: F,
    mut c: ArrayViewMut1<'_, F>,
) {
    for (row, out) in a.rows().into_iter().zip(c.iter_mut()) {
        let row = row.as_slice().unwrap_or_default();
        let v = alpha * crate::model::lanes::dot(row, b);
        *out = if beta == F::zero() {
            v
        } else {
            v + beta * *out
        };
    }
}

/// Computes `product` (an m×n `C`) with up to `threads` threads.
fn run_product<F: Float>(
    product: &Product<F>,
    m: usize,
    n: usize,
    threads: usize,
    ws: &mut GemmWorkspace<F>,
) {
    let kernel = F::kernel();
    // Every workspace gets room for the whole product, so that no later product of this
    // shape or a smaller one grows a workspace, however it is cut (a smaller batch may run
    // on one thread, or be cut along the other axis).
    ws.reserve_for(m, n, product.k);
    let Some((columns, chunk, parts)) = (threads > 1)
        .then(|| plan(m, n, kernel.mr, kernel.nr, threads))
        .flatten()
    else {
        // SAFETY: the pointers and strides describe the checked views above.
        unsafe { gemm_block(product, 0, m, 0, n, ws) };
        return;
    };
    if ws.helpers.len() < parts - 1 {
        ws.helpers.resize_with(parts - 1, GemmWorkspace::default);
    }
    for helper in &mut ws.helpers[..parts - 1] {
        helper.reserve_for(m, n, product.k);
    }
    let spaces = Workspaces {
        own: ws as *mut GemmWorkspace<F>,
        helpers: ws.helpers.as_mut_ptr(),
    };
    let spaces = &spaces;
    super::threads::run_parts(parts, &|part| {
        let (lo, len) = (part * chunk, if columns { n } else { m });
        let hi = (lo + chunk).min(len);
        // SAFETY: part p alone uses workspace p; parts cover disjoint tiles of C.
        unsafe {
            let space = if part == 0 {
                &mut *spaces.own
            } else {
                &mut *spaces.helpers.add(part - 1)
            };
            if columns {
                gemm_block(product, 0, m, lo, hi, space);
            } else {
                gemm_block(product, lo, hi, 0, n, space);
            }
        }
    });
}

/// Rows `r0..r1` and columns `c0..c1` of the product, on the calling thread.
///
/// # Safety
/// `p` must describe valid views of agreeing shapes, the ranges must lie inside `C`, and no
/// other thread may write these tiles of `C` meanwhile.
unsafe fn gemm_block<F: Float>(
    p: &Product<F>,
    r0: usize,
    r1: usize,
    c0: usize,
    c1: usize,
    ws: &mut GemmWorkspace<F>,
) {
    let (m, n, k) = (r1 - r0, c1 - c0, p.k);
    let [rsa, csa, rsb, csb, rsc, csc] = p.strides;
    let (alpha, beta) = (p.alpha, p.beta);
    let kernel = F::kernel();
    let (mr, nr) = (kernel.mr, kernel.nr);
    let mc_max = mr * MC_TILES;
    ws.reserve_for(m, n, k);
    // SAFETY: (r0, c0) lies inside the operands.
    let (a_ptr, b_ptr, c_ptr) = unsafe {
        (
            p.a.offset(r0 as isize * rsa),
            p.b.offset(c0 as isize * csb),
            p.c.offset(r0 as isize * rsc + c0 as isize * csc),
        )
    };
    let mut tile = [F::zero(); MAX_TILE];
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            // SAFETY: (pc, jc) and the block extents lie inside B.
            unsafe {
                pack(
                    &mut ws.b,
                    b_ptr.offset(pc as isize * rsb + jc as isize * csb),
                    csb,
                    rsb,
                    nc,
                    kc,
                    nr,
                );
            }
            if let Some(round) = p.round {
                round(&mut ws.b[..nc.div_ceil(nr) * nr * kc]);
            }
            let beta_here = if pc == 0 { beta } else { F::one() };
            for ic in (0..m).step_by(mc_max) {
                let mc = mc_max.min(m - ic);
                // SAFETY: (ic, pc) and the block extents lie inside A.
                unsafe {
                    pack(
                        &mut ws.a,
                        a_ptr.offset(ic as isize * rsa + pc as isize * csa),
                        rsa,
                        csa,
                        mc,
                        kc,
                        mr,
                    );
                }
                if let Some(round) = p.round {
                    round(&mut ws.a[..mc.div_ceil(mr) * mr * kc]);
                }
                for jr in (0..nc).step_by(nr) {
                    let cols = nr.min(nc - jr);
                    let bp = ws.b[jr * kc..].as_ptr();
                    for ir in (0..mc).step_by(mr) {
                        let rows = mr.min(mc - ir);
                        let ap = ws.a[ir * kc..].as_ptr();
                        // SAFETY: packed panels hold kc·mr and kc·nr values; the C tile at
                        // (ic+ir, jc+jr) is inside C, and partial tiles go through `tile`.
                        unsafe {
                            let cp =
                                c_ptr.offset((ic + ir) as isize * rsc + (jc + jr) as isize * csc);
                            if rows == mr && cols == nr {
                                (kernel.run)(kc, alpha, ap, bp, beta_here, cp, rsc, csc);
                            } else {
                                (kernel.run)(
                                    kc,
                                    alpha,
                                    ap,
                                    bp,
                                    F::zero(),
                                    tile.as_mut_ptr(),
                                    nr as isize,
                                    1,
                                );
                                for i in 0..rows {
                                    for j in 0..cols {
                                        let dst = cp.offset(i as isize * rsc + j as isize * csc);
                                        let t = tile[i * nr + j];
                                        *dst = if beta_here == F::zero() {
                                            t
                                        } else {
                                            t + beta_here * *dst
                                        };
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Copies one panel whose `W` lanes are contiguous in `src`: panel row `p` is the `W`
/// values at `src + p·s_depth`. A copy of constant length compiles to vector moves (a
/// run-time length becomes a `memcpy` call per row).
///
/// # Safety
/// `W` values at `src + p·s_depth` must be readable for every row `p` of `panel`.
unsafe fn copy_rows<F: Float, const W: usize>(panel: &mut [F], src: *const F, s_depth: isize) {
    for (p, row) in panel.chunks_exact_mut(W).enumerate() {
        // SAFETY: the caller's guarantee; an unaligned read of W values.
        let values: [F; W] = unsafe {
            src.offset(p as isize * s_depth)
                .cast::<[F; W]>()
                .read_unaligned()
        };
        row.copy_from_slice(&values);
    }
}

/// [`copy_rows`] for a panel width with no constant-length copy.
///
/// # Safety
/// As for [`copy_rows`], with `width` lanes.
unsafe fn copy_rows_any<F: Float>(panel: &mut [F], src: *const F, s_depth: isize, width: usize) {
    for (p, row) in panel.chunks_exact_mut(width).enumerate() {
        let col = unsafe { src.offset(p as isize * s_depth) };
        for (i, d) in row.iter_mut().enumerate() {
            // SAFETY: the caller's guarantee.
            *d = unsafe { *col.add(i) };
        }
    }
}

/// Packs a `len × kc` block into panels of `width` along `len` (zero-padded):
/// panel `q`, depth `p`, lane `i` holds `src[(q·width + i)·s_len + p·s_depth]`.
///
/// # Safety
/// `src` with the given strides must address a valid `len × kc` block.
pub(super) unsafe fn pack<F: Float>(
    dst: &mut [F],
    src: *const F,
    s_len: isize,
    s_depth: isize,
    len: usize,
    kc: usize,
    width: usize,
) {
    let mut out = 0;
    for q in (0..len).step_by(width) {
        let lanes = width.min(len - q);
        let base = unsafe { src.offset(q as isize * s_len) };
        if s_len == 1 && lanes == width {
            let panel = &mut dst[out..out + kc * width];
            out += kc * width;
            // SAFETY: the block's `width` lanes at each of the kc depths are readable.
            unsafe {
                match width {
                    32 => copy_rows::<F, 32>(panel, base, s_depth),
                    16 => copy_rows::<F, 16>(panel, base, s_depth),
                    12 => copy_rows::<F, 12>(panel, base, s_depth),
                    8 => copy_rows::<F, 8>(panel, base, s_depth),
                    6 => copy_rows::<F, 6>(panel, base, s_depth),
                    4 => copy_rows::<F, 4>(panel, base, s_depth),
                    _ => copy_rows_any(panel, base, s_depth, width),
                }
            }
        } else if s_depth == 1 {
            // Rows of a row-major block (a transpose): read each row contiguously, a block of
            // `DEPTH_BLOCK` depths at a time, so that the panel rows being written stay in the
            // L1 cache (writing a whole `kc`-deep panel row by row evicts it: every value of a
            // row lands on another cache line). Missing lanes of a last panel are zeros; the
            // panel is the same as the general branch writes.
            let panel = &mut dst[out..out + kc * width];
            out += kc * width;
            // SAFETY: rows q·width..q·width + lanes of the block hold kc values each.
            if unsafe { super::transpose_pack::pack_rows(panel, base, s_len, lanes, kc, width) } {
                continue;
            }
            for p0 in (0..kc).step_by(DEPTH_BLOCK) {
                let depth = DEPTH_BLOCK.min(kc - p0);
                let block = &mut panel[p0 * width..(p0 + depth) * width];
                for i in 0..lanes {
                    // SAFETY: row q·width + i, depths p0..p0 + depth, lie inside the block.
                    let row = unsafe {
                        std::slice::from_raw_parts(
                            base.offset(i as isize * s_len + p0 as isize),
                            depth,
                        )
                    };
                    for (d, &v) in block[i..].iter_mut().step_by(width).zip(row) {
                        *d = v;
                    }
                }
                if lanes < width {
                    for d_row in block.chunks_exact_mut(width) {
                        d_row[lanes..].fill(F::zero());
                    }
                }
            }
        } else {
            for p in 0..kc {
                let col = unsafe { base.offset(p as isize * s_depth) };
                let dst_row = &mut dst[out..out + width];
                for (i, d) in dst_row.iter_mut().enumerate() {
                    *d = if i < lanes {
                        unsafe { *col.offset(i as isize * s_len) }
                    } else {
                        F::zero()
                    };
                }
                out += width;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn naive(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
        let (m, k) = a.dim();
        let n = b.ncols();
        Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum())
    }

    fn pseudo(m: usize, n: usize, seed: u64) -> Array2<f64> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Array2::from_shape_fn((m, n), |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
    }

    /// `C ← 0.75·A·B + β·C` as the raw parts the threads of a product share.
    fn product_of(
        a: ArrayView2<'_, f64>,
        b: ArrayView2<'_, f64>,
        beta: f64,
        c: &mut Array2<f64>,
        round: Option<fn(&mut [f64])>,
    ) -> Product<f64> {
        Product {
            alpha: 0.75,
            beta,
            a: a.as_ptr(),
            b: b.as_ptr(),
            c: c.as_mut_ptr(),
            strides: [
                a.strides()[0],
                a.strides()[1],
                b.strides()[0],
                b.strides()[1],
                c.strides()[0],
                c.strides()[1],
            ],
            k: a.ncols(),
            round,
        }
    }

    #[test]
    fn one_column_products_match_naive_with_and_without_beta() {
        let mut ws = GemmWorkspace::default();
        for (m, k) in [(1, 1), (7, 3), (37, 30), (300, 65)] {
            let a = pseudo(m, k, 5);
            let w = pseudo(1, k, 6);
            let want = naive(a.view(), w.t());
            let mut c = Array2::from_elem((m, 1), f64::NAN);
            gemm(1.0, a.view(), w.t(), 0.0, c.view_mut(), &mut ws);
            for (x, y) in c.iter().zip(&want) {
                assert!((x - y).abs() < 1e-13, "m={m} k={k}: {x} vs {y}");
            }
            let mut c = Array2::from_elem((m, 1), 2.0);
            gemm(0.5, a.view(), w.t(), 3.0, c.view_mut(), &mut ws);
            for (x, y) in c.iter().zip(&want) {
                assert!((x - (0.5 * y + 6.0)).abs() < 1e-13, "m={m} k={k}");
            }
            // A column-major A takes the tiled path and agrees.
            let at = a.t().to_owned();
            let mut c2 = Array2::zeros((m, 1));
            gemm(1.0, at.t(), w.t(), 0.0, c2.view_mut(), &mut ws);
            for (x, y) in c2.iter().zip(&want) {
                assert!((x - y).abs() < 1e-13, "m={m} k={k} transposed");
            }
        }
    }

    #[test]
    fn matches_naive_product_for_odd_shapes_strides_and_beta() {
        let mut ws = GemmWorkspace::default();
        for &(m, k, n) in &[
            (1, 1, 1),
            (7, 300, 5),
            (13, 3, 37),
            (50, 513, 33),
            (3, 2, 2100),
        ] {
            let a = pseudo(m, k, 1);
            let bt = pseudo(n, k, 2);
            let b = bt.t();
            let c0 = pseudo(m, n, 3);
            let mut c = c0.clone();
            gemm(0.5, a.view(), b, 2.0, c.view_mut(), &mut ws);
            let want = naive(a.view(), b) * 0.5 + &c0 * 2.0;
            for (x, y) in c.iter().zip(want.iter()) {
                assert!(
                    (x - y).abs() < 1e-12 * (1.0 + y.abs()),
                    "{m}×{k}×{n}: {x} vs {y}"
                );
            }
            // β = 0 ignores NaN already in C.
            let mut c = Array2::from_elem((m, n), f64::NAN);
            gemm(1.0, a.view(), b, 0.0, c.view_mut(), &mut ws);
            let want = naive(a.view(), b);
            for (x, y) in c.iter().zip(want.iter()) {
                assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()));
            }
        }
    }

    #[test]
    fn every_thread_count_gives_the_same_bits() {
        // Shapes with partial tiles on both axes, transposed operands, β ≠ 0 and several K
        // blocks; cut into 2, 3 and 5 parts along either axis.
        for &(m, k, n, beta) in &[
            (37usize, 300usize, 70usize, 0.0f64),
            (130, 257, 33, 0.5),
            (5, 40, 200, 1.0),
            (200, 513, 9, 0.0),
        ] {
            let a = pseudo(m, k, 1);
            let bt = pseudo(n, k, 2);
            let c0 = pseudo(m, n, 3);
            let mut ws = GemmWorkspace::default();
            let run = |threads: usize, ws: &mut GemmWorkspace<f64>| {
                let mut c = c0.clone();
                let product = product_of(a.view(), bt.t(), beta, &mut c, None);
                run_product(&product, m, n, threads, ws);
                c
            };
            let one = run(1, &mut ws);
            let expected = naive(a.view(), bt.t()) * 0.75 + &c0 * beta;
            for (x, y) in one.iter().zip(expected.iter()) {
                assert!((x - y).abs() <= 1e-12 * (1.0 + y.abs()));
            }
            for threads in [2, 3, 5] {
                let many = run(threads, &mut ws);
                let same = one
                    .iter()
                    .zip(many.iter())
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same, "{threads} threads on {m}×{k}×{n}");
            }
        }
    }

    #[test]
    fn rounding_the_packed_blocks_equals_the_product_of_rounded_copies() {
        // Several K, row and column blocks, partial tiles, transposed and stepped views,
        // β ≠ 0, and 1 to 3 threads: every packed block is rounded, nothing else is.
        fn to_f32(values: &mut [f64]) {
            values.iter_mut().for_each(|v| *v = f64::from(*v as f32));
        }
        let rounded = |x: ArrayView2<'_, f64>| x.mapv(|v| f64::from(v as f32));
        let bits = |x: &Array2<f64>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for &(m, k, n, beta) in &[
            (37usize, 300usize, 70usize, 0.0f64),
            (130, 600, 33, 0.5),
            (5, 40, 2, 0.0),
            (61, 257, 2100, 1.0),
        ] {
            let a = pseudo(m, 2 * k, 1);
            let a = a.slice(ndarray::s![.., ..;2]);
            let bt = pseudo(n, k, 2);
            let c0 = pseudo(m, n, 3);
            let mut want = c0.clone();
            let (ra, rb) = (rounded(a), rounded(bt.t()));
            gemm(
                0.75,
                ra.view(),
                rb.view(),
                beta,
                want.view_mut(),
                &mut GemmWorkspace::default(),
            );
            let mut got = c0.clone();
            let ws = &mut GemmWorkspace::default();
            gemm_of_rounded(0.75, a, bt.t(), beta, got.view_mut(), ws, to_f32);
            assert_eq!(bits(&want), bits(&got), "{m}×{k}×{n}");
            for threads in [2, 3] {
                let mut many = c0.clone();
                let product = product_of(a, bt.t(), beta, &mut many, Some(to_f32));
                run_product(&product, m, n, threads, ws);
                assert_eq!(bits(&want), bits(&many), "{threads} threads on {m}×{k}×{n}");
            }
        }
    }

    #[test]
    fn plans_cut_at_tile_boundaries_into_balanced_parts() {
        // 8 column tiles split 4 + 4 beat 11 row tiles split 6 + 5.
        assert_eq!(plan(128, 256, 12, 32, 2), Some((true, 128, 2)));
        // One column tile: cut the rows.
        assert_eq!(plan(1024, 1, 12, 32, 2), Some((false, 516, 2)));
        // Nothing to cut.
        assert_eq!(plan(12, 32, 12, 32, 4), None);
    }

    #[test]
    fn f32_matches_f64_within_rounding() {
        let a = pseudo(40, 70, 4);
        let b = pseudo(70, 45, 5);
        let want = naive(a.view(), b.view());
        let mut c = Array2::<f32>::zeros((40, 45));
        gemm(
            1.0,
            a.mapv(|v| v as f32).view(),
            b.mapv(|v| v as f32).view(),
            0.0,
            c.view_mut(),
            &mut GemmWorkspace::default(),
        );
        for (x, y) in c.iter().zip(want.iter()) {
            assert!((*x as f64 - y).abs() < 1e-5);
        }
    }
}
