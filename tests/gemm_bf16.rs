//! The bf16 matrix multiply: the AVX-512 BF16 kernel (where this processor has it) and the
//! portable kernel give the same bits, both equal a plain reference that rounds the inputs
//! to bf16 (`half`) and sums in the documented pair order, the result is the same for every
//! thread count, and it is within the usual rounding bound of an f64 product of the same
//! bf16 inputs.

use half::bf16;
use ndarray::{Array2, ArrayView2};
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

fn round(x: f32) -> f32 {
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
