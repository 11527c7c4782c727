//! The transposing GEMM pack of `f32` panels in AVX-512 or AVX2 registers.
//!
//! When the rows of a block run along the depth (a row-major `A`, or `Wᵀ` as `B`), a panel
//! is the block's transpose: panel depth `p`, lane `i` holds row `i`'s value at depth `p`.
//! Copied one value at a time, every store lands on another panel row (≈ 80% of the pack's
//! time in a profile of the `wide` step). Here sixteen rows × sixteen depths (eight × eight
//! with AVX2) are loaded as vectors, transposed with shuffles, and stored as panel rows. It
//! only moves values, so the panel is the same as the scalar pack writes.

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
        && dst.len() >= kc * width
        && lanes <= width
    {
        let avx512 = std::arch::is_x86_feature_detected!("avx512f");
        if avx512 || std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: F is f32 (same type id), so the casts keep the element type; the
            // instruction set called was detected; the extents are the caller's guarantee,
            // and dst's length was checked.
            unsafe {
                let dst =
                    std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<f32>(), kc * width);
                let src = src.cast::<f32>();
                if avx512 {
                    pack_rows_avx512(dst, src, s_len, lanes, kc, width);
                } else {
                    pack_rows_avx2(dst, src, s_len, lanes, kc, width);
                }
            }
            return true;
        }
    }
    let _ = (dst, src, s_len, lanes, kc, width);
    false
}

/// [`pack_rows`] for `f32` with AVX2: eight depths of up to eight rows at a time.
///
/// A panel narrower than eight lanes (the 6-lane `A` panels) is stored eight lanes wide: the
/// extra lanes land on the next panel row's first lanes, which the next store overwrites;
/// only the panel's last row, and the partial last group of a wider panel, are stored lane
/// by lane.
///
/// # Safety
/// AVX2 must be available; the extents as in [`pack_rows`], `dst.len() == kc·width`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pack_rows_avx2(
    dst: &mut [f32],
    src: *const f32,
    s_len: isize,
    lanes: usize,
    kc: usize,
    width: usize,
) {
    use std::arch::x86_64::*;
    let end = kc * width;
    for p0 in (0..kc).step_by(8) {
        let depth = 8.min(kc - p0);
        let load_mask = depth_mask(depth);
        for half in (0..width).step_by(8) {
            let rows = lanes.saturating_sub(half).min(8);
            let out_lanes = 8.min(width - half);
            let mut v = [_mm256_setzero_ps(); 8];
            for (i, r) in v.iter_mut().enumerate().take(rows) {
                let row = src.wrapping_offset((half + i) as isize * s_len + p0 as isize);
                _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(PREFETCH).cast());
                // SAFETY: row half + i < lanes holds depths p0..p0 + depth (the caller's
                // guarantee); a short depth is read through the mask only.
                *r = unsafe {
                    if depth == 8 {
                        _mm256_loadu_ps(row)
                    } else {
                        _mm256_maskload_ps(row, load_mask)
                    }
                };
            }
            let t = transpose8(v);
            for (p, row) in t.iter().enumerate().take(depth) {
                let at = (p0 + p) * width + half;
                if out_lanes == 8 || (width < 8 && at + 8 <= end) {
                    // SAFETY: at + 8 ≤ kc·width = dst.len(); a panel narrower than eight
                    // has one group, so lanes past out_lanes belong to the next panel row,
                    // stored after this one.
                    unsafe { _mm256_storeu_ps(dst.as_mut_ptr().add(at), *row) };
                } else {
                    let mut lanes8 = [0.0f32; 8];
                    // SAFETY: lanes8 holds eight values.
                    unsafe { _mm256_storeu_ps(lanes8.as_mut_ptr(), *row) };
                    dst[at..at + out_lanes].copy_from_slice(&lanes8[..out_lanes]);
                }
            }
        }
    }
}

/// The mask that loads the first `depth ≤ 8` of eight `f32` lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn depth_mask(depth: usize) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_cmpgt_epi32(_mm256_set1_epi32(depth as i32), lane)
}

/// An 8 × 8 `f32` matrix held as 8 row vectors, transposed: output `c` holds every row's
/// value `c`. Pairs, then quadruples, are interleaved within 128-bit lanes, and the lanes
/// are regrouped with `vperm2f128`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn transpose8(r: [std::arch::x86_64::__m256; 8]) -> [std::arch::x86_64::__m256; 8] {
    use std::arch::x86_64::*;
    let mut t = [_mm256_setzero_ps(); 8];
    for j in 0..4 {
        t[2 * j] = _mm256_unpacklo_ps(r[2 * j], r[2 * j + 1]);
        t[2 * j + 1] = _mm256_unpackhi_ps(r[2 * j], r[2 * j + 1]);
    }
    // u[4g + e], lane half h, holds column 4h + e of rows 4g..4g + 4.
    let mut u = [_mm256_setzero_ps(); 8];
    for g in 0..2 {
        let (x0, x1, x2, x3) = (t[4 * g], t[4 * g + 1], t[4 * g + 2], t[4 * g + 3]);
        u[4 * g] = _mm256_shuffle_ps::<0x44>(x0, x2);
        u[4 * g + 1] = _mm256_shuffle_ps::<0xEE>(x0, x2);
        u[4 * g + 2] = _mm256_shuffle_ps::<0x44>(x1, x3);
        u[4 * g + 3] = _mm256_shuffle_ps::<0xEE>(x1, x3);
    }
    let mut out = [_mm256_setzero_ps(); 8];
    for e in 0..4 {
        out[e] = _mm256_permute2f128_ps::<0x20>(u[e], u[4 + e]);
        out[4 + e] = _mm256_permute2f128_ps::<0x31>(u[e], u[4 + e]);
    }
    out
}

/// How far ahead, in depths, the vector packs prefetch each row.
#[cfg(target_arch = "x86_64")]
const PREFETCH: usize = 64;

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
            let mut v = [_mm512_setzero_si512(); 16];
            for (i, r) in v.iter_mut().enumerate().take(rows) {
                let row = src.wrapping_offset((half + i) as isize * s_len + p0 as isize);
                // The rows are up to 32 separate streams, more than the hardware prefetchers
                // follow: ask for this row's values PREFETCH depths ahead (a hint, which
                // never faults, also past the row's end).
                _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(PREFETCH).cast());
                // SAFETY: row half + i < lanes holds depths p0..p0 + depth (the caller's
                // guarantee); the mask reads no further.
                *r = unsafe { _mm512_maskz_loadu_epi32(load_mask, row.cast()) };
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
                unsafe {
                    _mm512_mask_storeu_epi32(dst.as_mut_ptr().add(at).cast(), store_mask, *row)
                };
            }
        }
    }
}

/// A 16 × 16 matrix of 32-bit values (f32 bits or bf16 pairs) held as 16 row vectors,
/// transposed: output `c` holds every row's value `c`. Pairs, then quadruples, are
/// interleaved within 128-bit lanes, and the lanes are regrouped in two rounds of
/// `vshufi32x4`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) fn transpose16(r: [std::arch::x86_64::__m512i; 16]) -> [std::arch::x86_64::__m512i; 16] {
    use std::arch::x86_64::*;
    // Within each 128-bit lane: pairs of rows interleaved, then pairs of pairs, so that
    // u[4g + e] lane L holds column 4L + e of rows 4g..4g + 4.
    let mut t = [_mm512_setzero_si512(); 16];
    for j in 0..8 {
        t[2 * j] = _mm512_unpacklo_epi32(r[2 * j], r[2 * j + 1]);
        t[2 * j + 1] = _mm512_unpackhi_epi32(r[2 * j], r[2 * j + 1]);
    }
    let mut u = [_mm512_setzero_si512(); 16];
    for g in 0..4 {
        let (x0, x1, x2, x3) = (t[4 * g], t[4 * g + 1], t[4 * g + 2], t[4 * g + 3]);
        u[4 * g] = _mm512_unpacklo_epi64(x0, x2);
        u[4 * g + 1] = _mm512_unpackhi_epi64(x0, x2);
        u[4 * g + 2] = _mm512_unpacklo_epi64(x1, x3);
        u[4 * g + 3] = _mm512_unpackhi_epi64(x1, x3);
    }
    // Then the 4×4 matrix of 128-bit lanes u[e], u[4 + e], u[8 + e], u[12 + e] transposed.
    let mut out = [_mm512_setzero_si512(); 16];
    for e in 0..4 {
        let (a, b, c, d) = (u[e], u[4 + e], u[8 + e], u[12 + e]);
        let v0 = _mm512_shuffle_i32x4::<0x44>(a, b);
        let v1 = _mm512_shuffle_i32x4::<0xEE>(a, b);
        let v2 = _mm512_shuffle_i32x4::<0x44>(c, d);
        let v3 = _mm512_shuffle_i32x4::<0xEE>(c, d);
        out[e] = _mm512_shuffle_i32x4::<0x88>(v0, v2);
        out[4 + e] = _mm512_shuffle_i32x4::<0xDD>(v0, v2);
        out[8 + e] = _mm512_shuffle_i32x4::<0x88>(v1, v3);
        out[12 + e] = _mm512_shuffle_i32x4::<0xDD>(v1, v3);
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

    /// A pack under test: `(dst, src, s_len, lanes, kc, width)`.
    type PackFn = dyn Fn(&mut [f32], &[f32], usize, usize, usize, usize);

    /// Checks `pack` (one vector path) against [`scalar`] for widths 32, 16, 12 and 6 (the
    /// AVX2 and AVX-512 kernels' panels), depths around the vector widths and partial panels.
    fn check_against_scalar(pack: &PackFn) {
        let cases = [
            (32, vec![32, 31, 17, 16, 5, 1]),
            (16, vec![16, 9, 8, 7, 1]),
            (12, vec![12, 7, 1]),
            (6, vec![6, 5, 1]),
        ];
        for (width, lanes_list) in cases {
            for kc in [1, 3, 7, 8, 9, 15, 16, 17, 40, 256] {
                for &lanes in &lanes_list {
                    let s_len = kc + 3;
                    let src: Vec<f32> = (0..lanes * s_len).map(|v| v as f32 + 0.5).collect();
                    // NaN in the old panel shows any lane left unwritten.
                    let mut got = vec![f32::NAN; kc * width];
                    pack(&mut got, &src, s_len, lanes, kc, width);
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
    fn panels_equal_the_scalar_pack_for_every_width_depth_and_lane_count() {
        let mut probe = [0.0f32; 1];
        // SAFETY: one row of one value; probe holds 1·1.
        if !unsafe { pack_rows(&mut probe, [1.0f32].as_ptr(), 1, 1, 1, 1) } {
            return; // no vector path here: the scalar pack runs instead.
        }
        check_against_scalar(&|dst, src, s_len, lanes, kc, width| {
            // SAFETY: `lanes` rows of `s_len ≥ kc` values; `dst` holds kc·width.
            let vector = unsafe { pack_rows(dst, src.as_ptr(), s_len as isize, lanes, kc, width) };
            assert!(
                vector,
                "the vector path ran for one panel but not for another"
            );
        });
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_panels_equal_the_scalar_pack_where_avx512_would_run_instead() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        check_against_scalar(&|dst, src, s_len, lanes, kc, width| {
            // SAFETY: AVX2 was detected; `lanes` rows of `s_len ≥ kc` values; `dst` holds
            // exactly kc·width.
            unsafe { pack_rows_avx2(dst, src.as_ptr(), s_len as isize, lanes, kc, width) }
        });
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
