//! Peak resident memory of training each benchmark workload of `shared/bench/README.md`
//! (`seed` 30-16-1, `mnist` 784-256-128-10, `wide` 1024-1024-1024-1) for one epoch with the
//! Trainer and Adam, in `f32` and with `Precision::Bf16` / `Precision::F16` matrix products.
//!
//! The peak resident set size is a per-process high-water mark, so every (workload, precision)
//! pair runs in a child process of its own; each prints the peak after building the data and
//! the model, and after the epoch (Linux: `VmHWM` of `/proc/self/status`).
//!
//! ```text
//! cargo run --release --example memory              # every workload, f32 / bf16 / f16
//! cargo run --release --example memory -- wide bf16 # one pair, in this process
//! ```

use ndarray::Array2;
use tuneup::linalg::Precision;
use tuneup::prelude::*;
use tuneup::rand::rngs::StdRng;
use tuneup::rand::{Rng, SeedableRng};
use tuneup::train::Trainer;

/// Name, layer widths, batch size, batches per epoch.
const WORKLOADS: &[(&str, &[usize], usize, usize)] = &[
    ("seed", &[30, 16, 1], 32, 100),
    ("mnist", &[784, 256, 128, 10], 128, 60),
    ("wide", &[1024, 1024, 1024, 1], 256, 16),
];

/// The process's peak resident set size in MiB, if the system reports it.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn show(mib: Option<f64>) -> String {
    mib.map_or_else(|| "n/a".to_string(), |m| format!("{m:.1}"))
}

fn precision(name: &str) -> Option<Precision> {
    match name {
        "f32" => Some(Precision::F32),
        "bf16" => Some(Precision::Bf16),
        "f16" => Some(Precision::F16),
        _ => None,
    }
}

/// Trains `workload` for one epoch at `precision`; prints the peaks before and after.
fn run(workload: &str, precision_name: &str) -> tuneup::Result<()> {
    let Some(&(name, widths, batch, batches)) = WORKLOADS.iter().find(|w| w.0 == workload) else {
        return Err(tuneup::Error::config(
            "memory example: workload",
            workload,
            "seed, mnist or wide",
        ));
    };
    let Some(precision) = precision(precision_name) else {
        return Err(tuneup::Error::config(
            "memory example: precision",
            precision_name,
            "f32, bf16 or f16",
        ));
    };
    let rows = batch * batches;
    let (inputs, outputs) = (widths[0], widths[widths.len() - 1]);
    let mut rng = StdRng::seed_from_u64(42);
    let x = Array2::from_shape_fn((rows, inputs), |_| rng.random_range(-1.0f32..1.0));
    let activation = if name == "seed" {
        Activation::Sigmoid
    } else {
        Activation::Relu
    };
    let net = Mlp::new(widths)
        .activation(activation)
        .seed(0)
        .build::<f32>()?;
    let builder = Trainer::builder()
        .model(net)
        .optimizer(Adam::new(1e-3)?)
        .epochs(1)
        .batch_size(batch)
        .seed(1)
        .precision(precision);
    let before = peak_mib();
    let history = match name {
        "seed" => {
            let y = Array2::from_shape_fn((rows, 1), |_| f32::from(rng.random_bool(0.5)));
            let mut t = builder.loss(BceWithLogits::new()).build()?;
            t.fit(x.view(), &y)?
        }
        "mnist" => {
            let y: Vec<usize> = (0..rows).map(|_| rng.random_range(0..outputs)).collect();
            let mut t = builder.loss(CrossEntropy::new()).build()?;
            t.fit(x.view(), &y)?
        }
        _ => {
            let y = Array2::from_shape_fn((rows, outputs), |_| rng.random_range(-1.0f32..1.0));
            let mut t = builder.loss(Mse::new()).build()?;
            t.fit(x.view(), &y)?
        }
    };
    let after = peak_mib();
    let loss = history.last().map_or(f64::NAN, |r| r.loss);
    println!(
        "{name:>5} {precision_name:>4}: peak RSS {} MiB after data and model, {} MiB after one \
         epoch ({rows} rows, loss {loss:.4})",
        show(before),
        show(after),
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [workload, precision] = args.as_slice() {
        run(workload, precision)?;
        return Ok(());
    }
    let me = std::env::current_exe()?;
    for (name, ..) in WORKLOADS {
        for precision in ["f32", "bf16", "f16"] {
            let status = std::process::Command::new(&me)
                .args([name, &precision])
                .status()?;
            if !status.success() {
                return Err(format!("{name} {precision} failed: {status}").into());
            }
        }
    }
    Ok(())
}
