//! The bf16 matrix multiply (`gemm_bf16`, bf16 inputs, f32 accumulation) against the f32 one
//! (`gemm`) on the same shapes: `C = A·Bᵀ` with B stored out × in, as a Linear layer's forward
//! product. Throughput is in multiply-adds ×2 (FLOP), so criterion prints GFLOP/s directly.
//! Threads follow `TUNEUP_NUM_THREADS` (run with 1 and 2 to compare).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::linalg::{gemm, gemm_bf16, Bf16Workspace, GemmWorkspace};

fn random(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0f32..1.0))
}

/// (name, batch m, in k, out n): the mnist and wide workloads' first layers, and a square.
const SHAPES: [(&str, usize, usize, usize); 3] = [
    ("mnist_784x256_b128", 128, 784, 256),
    ("wide_1024x1024_b256", 256, 1024, 1024),
    ("square_512", 512, 512, 512),
];

fn bench(c: &mut Criterion) {
    println!("bf16 kernel: {}", tuneup::linalg::bf16_kernel_name());
    let mut group = c.benchmark_group("gemm");
    for (name, m, k, n) in SHAPES {
        let (a, w) = (random(m, k, 1), random(n, k, 2));
        let mut out = Array2::zeros((m, n));
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        let mut ws32 = GemmWorkspace::default();
        group.bench_function(format!("f32/{name}"), |bch| {
            bch.iter(|| {
                gemm(1.0, a.view(), w.t(), 0.0, out.view_mut(), &mut ws32);
                black_box(&out);
            })
        });
        let mut ws16 = Bf16Workspace::default();
        group.bench_function(format!("bf16/{name}"), |bch| {
            bch.iter(|| {
                gemm_bf16(1.0, a.view(), w.t(), 0.0, out.view_mut(), &mut ws16).unwrap();
                black_box(&out);
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
