//! The bf16 matrix multiply: the AVX-512 BF16 kernel (where this processor has it) and the
//! portable kernel give the same bits, both equal a plain reference that rounds the inputs
//! to bf16 (`half`) and sums in the documented pair order, the result is the same for every
//! thread count, and it is within the usual rounding bound of an f64 product of the same
//! bf16 inputs.

use half::bf16;
use ndarray::{s, Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::linalg::{gemm_bf16, gemm_bf16_portable, set_num_threads, Bf16Workspace};

fn random(rows: usize, cols: usize, spread: i32, seed: u64) -> Array2<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| {
        let e = rng.random_range(-spread..=spread);
        rng.random_range(-1.0f32..1.0) * 2f32.powi(e)
    })
}

fn bits(a: &Array2<f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// The instruction's rounding: a subnormal input is zero (DAZ), every other value is rounded
/// to nearest even (`half`).
fn round(x: f32) -> f32 {
    if x.is_subnormal() {
        return 0.0f32.copysign(x);
    }
    let v = bf16::from_f32(x).to_f32();
    if v.is_subnormal() {
        0.0f32.copysign(v)
    } else {
        v
    }
}

fn flush(x: f32) -> f32 {
    if x.is_subnormal() {
        0.0f32.copysign(x)
    } else {
        x
    }
}

/// Pairs (2q, 2q+1), odd product first, exact products (f64), each sum rounded once to
/// f32, subnormal inputs and sums flushed to zero.
fn reference(alpha: f32, a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Array2<f32> {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    Array2::from_shape_fn((m, n), |(i, j)| {
        let mut acc = 0.0f32;
        for q in 0..k.div_ceil(2) {
            let (e, o) = (2 * q, 2 * q + 1);
            let product = |p: usize| f64::from(round(a[[i, p]])) * f64::from(round(b[[p, j]]));
            let odd = if o < k { product(o) } else { 0.0 };
            acc = flush((f64::from(acc) + odd) as f32);
            acc = flush((f64::from(acc) + product(e)) as f32);
        }
        alpha * acc
    })
}

const SHAPES: [(usize, usize, usize); 6] = [
    (1, 1, 1),
    (3, 5, 2),
    (12, 32, 8),
    (13, 33, 31),
    (25, 7, 70),
    (40, 64, 96),
];

#[test]
fn both_kernels_equal_the_pair_order_reference_bit_for_bit() {
    println!("kernel: {}", tuneup::linalg::bf16_kernel_name());
    let ws = &mut Bf16Workspace::default();
    for (s, &(m, k, n)) in SHAPES.iter().enumerate() {
        for spread in [0, 8, 60] {
            let a = random(m, k, spread, 10 + s as u64);
            let b = random(k, n, spread, 20 + s as u64);
            let want = reference(0.75, a.view(), b.view());
            let mut fast = Array2::zeros((m, n));
            let mut slow = Array2::zeros((m, n));
            gemm_bf16(0.75, a.view(), b.view(), 0.0, fast.view_mut(), ws).unwrap();
            gemm_bf16_portable(0.75, a.view(), b.view(), 0.0, slow.view_mut(), ws).unwrap();
            assert_eq!(bits(&fast), bits(&want), "{m}×{k}×{n}, spread 2^±{spread}");
            assert_eq!(bits(&slow), bits(&want), "{m}×{k}×{n}, spread 2^±{spread}");
        }
    }
}

#[test]
fn subnormal_products_and_inputs_are_flushed_alike() {
    // Values near 2⁻⁶⁴ make products near 2⁻¹²⁸ (subnormal in f32); tiny bf16 inputs too.
    let ws = &mut Bf16Workspace::default();
    let a = random(13, 9, 4, 1).mapv(|v| v * 2f32.powi(-64));
    let mut b = random(9, 35, 4, 2).mapv(|v| v * 2f32.powi(-62));
    b[[0, 0]] = 1e-39; // a subnormal input
    let want = reference(1.0, a.view(), b.view());
    let (mut fast, mut slow) = (Array2::zeros((13, 35)), Array2::zeros((13, 35)));
    gemm_bf16(1.0, a.view(), b.view(), 0.0, fast.view_mut(), ws).unwrap();
    gemm_bf16_portable(1.0, a.view(), b.view(), 0.0, slow.view_mut(), ws).unwrap();
    assert_eq!(bits(&fast), bits(&want));
    assert_eq!(bits(&slow), bits(&want));
}

#[test]
fn within_the_rounding_bound_of_an_f64_product() {
    let (m, k, n) = (17, 300, 45);
    let a = random(m, k, 3, 5);
    let b = random(k, n, 3, 6);
    let mut c = Array2::zeros((m, n));
    gemm_bf16(
        1.0,
        a.view(),
        b.view(),
        0.0,
        c.view_mut(),
        &mut Bf16Workspace::default(),
    )
    .unwrap();
    let (ra, rb) = (
        a.mapv(|v| f64::from(round(v))),
        b.mapv(|v| f64::from(round(v))),
    );
    let exact = ra.dot(&rb);
    let magnitude = ra.mapv(f64::abs).dot(&rb.mapv(f64::abs));
    // Each of the k additions rounds once: |error| ≤ k·u·Σ|a||b| with u = 2⁻²⁴.
    let bound = k as f64 * 2f64.powi(-24);
    for ((got, want), mag) in c.iter().zip(&exact).zip(&magnitude) {
        assert!(
            (f64::from(*got) - want).abs() <= bound * mag,
            "{got} vs {want}"
        );
    }
}

#[test]
fn one_and_two_threads_give_the_same_bits_and_strides_do_not_matter() {
    let (m, k, n) = (200, 160, 150); // 4.8M multiply-adds: shared among threads
    let a = random(m, k, 2, 7);
    let bt = random(n, k, 2, 8);
    let ws = &mut Bf16Workspace::default();
    let mut one = Array2::zeros((m, n));
    let mut two = Array2::zeros((m, n));
    set_num_threads(1).unwrap();
    gemm_bf16(1.0, a.view(), bt.t(), 0.0, one.view_mut(), ws).unwrap();
    set_num_threads(2).unwrap();
    gemm_bf16(1.0, a.view(), bt.t(), 0.0, two.view_mut(), ws).unwrap();
    assert_eq!(bits(&one), bits(&two));
    let dense = bt.t().to_owned();
    let mut again = Array2::zeros((n, m));
    gemm_bf16(
        1.0,
        a.view(),
        dense.view(),
        0.0,
        again.view_mut().reversed_axes(),
        ws,
    )
    .unwrap();
    assert_eq!(bits(&one), bits(&again.t().to_owned()));
}

#[test]
fn beta_zero_ignores_c_and_beta_one_adds_to_it() {
    let a = random(3, 4, 0, 3);
    let b = random(4, 2, 0, 4);
    let ws = &mut Bf16Workspace::default();
    let mut c = Array2::from_elem((3, 2), f32::NAN);
    gemm_bf16(1.0, a.view(), b.view(), 0.0, c.view_mut(), ws).unwrap();
    assert!(c.iter().all(|v| v.is_finite()));
    let first = c.clone();
    gemm_bf16(1.0, a.view(), b.view(), 1.0, c.view_mut(), ws).unwrap();
    assert_eq!(c, first.mapv(|v| v + v));
}

#[test]
fn mismatched_shapes_are_an_error_and_leave_c_alone() {
    let a = Array2::<f32>::ones((2, 3));
    let b = Array2::<f32>::ones((4, 2));
    let mut c = Array2::from_elem((2, 2), 7.0f32);
    let e = gemm_bf16(
        1.0,
        a.view(),
        b.view(),
        0.0,
        c.view_mut(),
        &mut Bf16Workspace::default(),
    );
    assert!(matches!(e, Err(tuneup::Error::Shape { .. })));
    assert!(c.iter().all(|&v| v == 7.0));
}

#[test]
fn a_sum_one_step_below_the_normal_range_is_flushed() {
    // Smallest exponents −56 (A) and −57 (B): every product is a multiple of 2⁻¹²⁷, one
    // below where no sum can be subnormal. 130·130 − 129·131 = 1, so the pair's sum is
    // exactly 2⁻¹²⁷, subnormal: the instruction flushes it to +0, where a plain fused
    // multiply-add keeps it. Full tiles of every kernel shape and a partial one.
    let ws = &mut Bf16Workspace::default();
    for (m, n) in [(12, 32), (24, 64), (1, 1)] {
        let a = Array2::from_shape_fn((m, 2), |(_, j)| [130.0, -129.0f32][j] * 2f32.powi(-63));
        let b = Array2::from_shape_fn((2, n), |(i, _)| [130.0, 131.0f32][i] * 2f32.powi(-64));
        let want = reference(1.0, a.view(), b.view());
        assert!(want.iter().all(|v| v.to_bits() == 0));
        let (mut fast, mut slow) = (Array2::ones((m, n)), Array2::ones((m, n)));
        gemm_bf16(1.0, a.view(), b.view(), 0.0, fast.view_mut(), ws).unwrap();
        gemm_bf16_portable(1.0, a.view(), b.view(), 0.0, slow.view_mut(), ws).unwrap();
        assert_eq!(bits(&fast), bits(&want), "{m}×{n}");
        assert_eq!(bits(&slow), bits(&want), "{m}×{n}");
        // One exponent higher on B's side: the sum 2⁻¹²⁶ is normal, and kept.
        let b2 = b.mapv(|v| v * 2.0);
        gemm_bf16(1.0, a.view(), b2.view(), 0.0, fast.view_mut(), ws).unwrap();
        assert!(fast.iter().all(|&v| v == f32::MIN_POSITIVE), "{m}×{n}");
    }
}

#[test]
fn subnormal_inputs_are_zero_even_where_half_rounds_them_up() {
    // The largest f32 subnormals round (to nearest) up to the smallest normal bf16 2⁻¹²⁶;
    // `vcvtneps2bf16` treats them as zero, and so does the portable packing.
    let big = f32::from_bits(0x007F_FFFF);
    assert_eq!(bf16::from_f32(big).to_bits(), 0x0080);
    let a = Array2::from_shape_vec((2, 3), vec![big, 1.0, -big, -big, 0.0, big]).unwrap();
    let b = Array2::from_shape_vec((3, 1), vec![2f32.powi(100), 0.0, 2f32.powi(100)]).unwrap();
    let ws = &mut Bf16Workspace::default();
    for simd in [true, false] {
        let mut c = Array2::from_elem((2, 1), 5.0f32);
        let run = if simd { gemm_bf16 } else { gemm_bf16_portable };
        run(1.0, a.view(), b.view(), 0.0, c.view_mut(), ws).unwrap();
        // (+0) + (−0) and (−0) + (+0): +0 either way, where rounding up would give ±2⁻²⁶.
        assert_eq!(bits(&c), vec![0, 0], "simd {simd}");
    }
    // A normal input just above: kept.
    let a = Array2::from_elem((1, 1), f32::MIN_POSITIVE);
    let b = Array2::from_elem((1, 1), 2f32.powi(100));
    let mut c = Array2::zeros((1, 1));
    gemm_bf16(1.0, a.view(), b.view(), 0.0, c.view_mut(), ws).unwrap();
    assert_eq!(c[[0, 0]], 2f32.powi(-26));
}

#[test]
fn odd_shapes_and_views_give_the_reference_bits_on_both_paths() {
    // k odd, m and n off the 12×32 tile, and A, B, C as transposed, stepped and reversed
    // views: the SIMD packing (contiguous along k, or along the lines) and the portable one.
    let ws = &mut Bf16Workspace::default();
    for (s, &(m, k, n)) in [
        (0, 3, 4),
        (3, 0, 5),
        (1, 1, 1),
        (13, 1, 33),
        (25, 31, 47),
        (37, 67, 65),
    ]
    .iter()
    .enumerate()
    {
        let a = random(m, k, 6, 40 + s as u64);
        let b = random(k, n, 6, 50 + s as u64);
        let at = a.t().to_owned();
        let bt = b.t().to_owned();
        let a2 = random(2 * m, 2 * k + 1, 6, 60 + s as u64);
        let mut a2 = a2;
        a2.slice_mut(s![..;2, 1..;2]).assign(&a);
        let b_rev = b.slice(s![..;-1, ..]).to_owned();
        let a_views = [a.view(), at.t(), a2.slice(s![..;2, 1..;2])];
        let b_views = [b.view(), bt.t(), b_rev.slice(s![..;-1, ..])];
        for beta in [0.0f32, 0.5] {
            let c0 = random(m, n, 2, 70 + s as u64);
            let want = {
                let p = reference(1.25, a.view(), b.view());
                if beta == 0.0 {
                    p
                } else {
                    Array2::from_shape_fn((m, n), |(i, j)| p[[i, j]] + beta * c0[[i, j]])
                }
            };
            for (va, av) in a_views.iter().enumerate() {
                for (vb, bv) in b_views.iter().enumerate() {
                    for transposed_c in [false, true] {
                        for simd in [true, false] {
                            let run = if simd { gemm_bf16 } else { gemm_bf16_portable };
                            let got = if transposed_c {
                                let mut ct = c0.t().to_owned();
                                run(1.25, *av, *bv, beta, ct.view_mut().reversed_axes(), ws)
                                    .unwrap();
                                ct.t().to_owned()
                            } else {
                                let mut c = c0.clone();
                                run(1.25, *av, *bv, beta, c.view_mut(), ws).unwrap();
                                c
                            };
                            assert_eq!(
                                bits(&got),
                                bits(&want),
                                "{m}×{k}×{n}, A view {va}, B view {vb}, β {beta}, \
                                 Cᵀ {transposed_c}, simd {simd}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_thread_count_and_split_of_the_tiles_gives_the_same_bits() {
    // 132×130×256: 11 row panels × 8 column panels, over the threshold for threads; two
    // threads split the columns, three the rows, four the columns again.
    let (m, k, n) = (132, 130, 256);
    let a = random(m, k, 3, 80);
    let bt = random(n, k, 3, 81);
    let want = reference(1.0, a.view(), bt.t());
    let ws = &mut Bf16Workspace::default();
    for threads in 1..=4 {
        set_num_threads(threads).unwrap();
        let mut c = Array2::zeros((m, n));
        gemm_bf16(1.0, a.view(), bt.t(), 0.0, c.view_mut(), ws).unwrap();
        assert_eq!(bits(&c), bits(&want), "{threads} threads");
    }
    set_num_threads(1).unwrap();
}
