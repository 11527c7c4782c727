//! The transposing GEMM pack of `f32` panels in AVX-512 registers.
//!
//! When the rows of a block run along the depth (a row-major `A`, or `Wᵀ` as `B`), a panel
//! is the block's transpose: panel depth `p`, lane `i` holds row `i`'s value at depth `p`.
//! Copied one value at a time, every store lands on another panel row (≈ 80% of the pack's
//! time in a profile of the `wide` step). Here sixteen rows × sixteen depths are loaded as
//! sixteen vectors, transposed with shuffles, and stored as sixteen panel rows. It only moves
//! values, so the panel is the same as the scalar pack writes.

// The AVX-512 intrinsics are stable from Rust 1.89 (as for the bf16 kernel and the f32
// kernels' `avx512f` target feature); the crate's declared MSRV predates that.
#![allow(clippy::incompatible_msrv)]

/// Packs `lanes` rows of depth `kc` (row `i` starting at `src + i·s_len`, contiguous along
/// the depth) into one panel of `width` lanes: `dst[p·width + i] = row_i[p]`, zero in the
/// lanes from `lanes` to `width`. Returns `false` (and writes nothing) when this processor
/// or type has no vector path; the caller then packs as before.
///
/// # Safety
/// Each of the `lanes ≤ width` rows must hold `kc` readable values, and `dst` must hold
/// `kc·width` values.
pub(super) unsafe fn pack_rows<F: crate::Float>(
    dst: &mut [F],
    src: *const F,
    s_len: isize,
    lanes: usize,
    kc: usize,
    width: usize,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::any::TypeId::of::<F>() == std::any::TypeId::of::<f32>()
        && std::arch::is_x86_feature_detected!("avx512f")
        && dst.len() >= kc * width
        && lanes <= width
    {
        // SAFETY: F is f32 (same type id), so the casts keep the element type; AVX-512F was
        // detected; the extents are the caller's guarantee, and dst's length was checked.
        unsafe {
            let dst = std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<f32>(), kc * width);
            pack_rows_avx512(dst, src.cast::<f32>(), s_len, lanes, kc, width);
        }
        return true;
    }
    let _ = (dst, src, s_len, lanes, kc, width);
    false
}

/// [`pack_rows`] for `f32` with AVX-512F: sixteen depths of up to sixteen rows at a time.
///
/// # Safety
/// AVX-512F must be available; the extents as in [`pack_rows`], `dst.len() == kc·width`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn pack_rows_avx512(
    dst: &mut [f32],
    src: *const f32,
    s_len: isize,
    lanes: usize,
    kc: usize,
    width: usize,
) {
    use std::arch::x86_64::*;
    for p0 in (0..kc).step_by(16) {
        let depth = 16.min(kc - p0);
        let load_mask: __mmask16 = if depth == 16 { !0 } else { (1 << depth) - 1 };
        for half in (0..width).step_by(16) {
            let rows = lanes.saturating_sub(half).min(16);
            let out_lanes = 16.min(width - half);
            let mut v = [_mm512_setzero_ps(); 16];
            for (i, r) in v.iter_mut().enumerate().take(rows) {
                // SAFETY: row half + i < lanes holds depths p0..p0 + depth (the caller's
                // guarantee); the mask reads no further.
                *r = unsafe {
                    _mm512_maskz_loadu_ps(
                        load_mask,
                        src.offset((half + i) as isize * s_len + p0 as isize),
                    )
                };
            }
            let t = transpose16(v);
            let store_mask: __mmask16 = if out_lanes == 16 {
                !0
            } else {
                (1 << out_lanes) - 1
            };
            for (p, row) in t.iter().enumerate().take(depth) {
                let at = (p0 + p) * width + half;
                // SAFETY: at + out_lanes ≤ (p0 + p + 1)·width ≤ kc·width = dst.len().
                unsafe { _mm512_mask_storeu_ps(dst.as_mut_ptr().add(at), store_mask, *row) };
            }
        }
    }
}

/// The transpose of a 16 × 16 block held as 16 row vectors: output `c` holds every row's
/// value `c`. Pairs, then quadruples, are interleaved within 128-bit lanes, and the lanes are
/// regrouped in two rounds of `vshuff32x4`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn transpose16(r: [std::arch::x86_64::__m512; 16]) -> [std::arch::x86_64::__m512; 16] {
    use std::arch::x86_64::*;
    let mut t = [_mm512_setzero_ps(); 16];
    for i in 0..8 {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4g + j]: rows 4g..4g + 4 of columns j, j + 4, j + 8, j + 12 (one per 128-bit lane).
    let mut u = [_mm512_setzero_ps(); 16];
    for g in 0..4 {
        let (a, b, c, d) = (
            _mm512_castps_pd(t[4 * g]),
            _mm512_castps_pd(t[4 * g + 1]),
            _mm512_castps_pd(t[4 * g + 2]),
            _mm512_castps_pd(t[4 * g + 3]),
        );
        u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    let mut out = [_mm512_setzero_ps(); 16];
    for j in 0..4 {
        let (a, b, c, d) = (u[j], u[4 + j], u[8 + j], u[12 + j]);
        let s0 = _mm512_shuffle_f32x4::<0x88>(a, b);
        let s1 = _mm512_shuffle_f32x4::<0xDD>(a, b);
        let s2 = _mm512_shuffle_f32x4::<0x88>(c, d);
        let s3 = _mm512_shuffle_f32x4::<0xDD>(c, d);
        out[j] = _mm512_shuffle_f32x4::<0x88>(s0, s2);
        out[4 + j] = _mm512_shuffle_f32x4::<0x88>(s1, s3);
        out[8 + j] = _mm512_shuffle_f32x4::<0xDD>(s0, s2);
        out[12 + j] = _mm512_shuffle_f32x4::<0xDD>(s1, s3);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scalar definition of a panel.
    fn scalar(src: &[f32], s_len: usize, lanes: usize, kc: usize, width: usize) -> Vec<f32> {
        let mut out = vec![0.0; kc * width];
        for p in 0..kc {
            for i in 0..lanes {
                out[p * width + i] = src[i * s_len + p];
            }
        }
        out
    }

    #[test]
    fn panels_equal_the_scalar_pack_for_every_width_depth_and_lane_count() {
        for (width, lanes_list) in [(32, vec![32, 31, 17, 16, 5, 1]), (12, vec![12, 7, 1])] {
            for kc in [1, 3, 15, 16, 17, 40, 256] {
                for &lanes in &lanes_list {
                    let s_len = kc + 3;
                    let src: Vec<f32> = (0..lanes * s_len).map(|v| v as f32 + 0.5).collect();
                    // NaN in the old panel shows any lane left unwritten.
                    let mut got = vec![f32::NAN; kc * width];
                    // SAFETY: `lanes` rows of `s_len ≥ kc` values; `got` holds kc·width.
                    let vector = unsafe {
                        pack_rows(&mut got, src.as_ptr(), s_len as isize, lanes, kc, width)
                    };
                    if !vector {
                        return; // no AVX-512 here: the scalar pack runs instead.
                    }
                    let want = scalar(&src, s_len, lanes, kc, width);
                    assert_eq!(
                        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "width {width}, kc {kc}, lanes {lanes}"
                    );
                }
            }
        }
    }

    #[test]
    fn f64_has_no_vector_path() {
        let mut dst = [0.0f64; 4];
        let src = [1.0f64; 4];
        // SAFETY: two rows of two values; dst holds 2·2.
        assert!(!unsafe { pack_rows(&mut dst, src.as_ptr(), 2, 2, 2, 2) });
        assert_eq!(dst, [0.0; 4]);
    }
}
