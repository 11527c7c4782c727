//! A training loop written by hand with the public API only: forward → loss → backward →
//! read the gradients → update the parameters yourself (no optimizer object).
//!
//! The problem is a small regression, `y = sin(x₀) + ½·x₁² − x₂ + noise`, fitted by a
//! 3 → 32 (tanh) → 1 network with mean squared error, full batch.
//!
//! Run with `cargo run --release --example custom_loop`.

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tuneup::prelude::*;

const SAMPLES: usize = 256;
const STEPS: usize = 2000;
const LEARNING_RATE: f64 = 0.05;

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(3);
    let x = Array2::from_shape_fn((SAMPLES, 3), |_| rng.random_range(-2.0..2.0f64));
    let y = Array2::from_shape_fn((SAMPLES, 1), |(i, _)| {
        let r = x.row(i);
        r[0].sin() + 0.5 * r[1] * r[1] - r[2] + 0.05 * rng.random_range(-1.0..1.0)
    });

    let mut net = Mlp::new(&[3, 32, 1])
        .activation(Activation::Tanh)
        .seed(11)
        .build::<f64>()?;
    let loss = Mse::new();
    // The loss writes ∂L/∂ŷ here; it is sized on the first call and reused afterwards.
    let mut grad_output = Array2::zeros((0, 0));

    for step in 0..=STEPS {
        // 1. Forward: the output is a view into the network's own buffer.
        net.zero_grad();
        let prediction = net.forward(x.view(), Mode::Train)?;

        // 2. Loss value and its gradient with respect to the prediction.
        let value = loss.value_and_grad(prediction, (&y).into(), &mut grad_output)?;

        // 3. Backward: accumulates ∂L/∂θ into every parameter's gradient buffer.
        //    (`backward` would also return ∂L/∂x; `backward_parameters` skips that product.)
        net.backward_parameters(grad_output.view())?;

        // 4. Read the gradients by name.
        if step % 400 == 0 {
            println!("step {step:>4}  loss {value:.5}");
            net.visit_parameters(&mut |p| {
                let norm = p.grad_slice().iter().map(|g| g * g).sum::<f64>().sqrt();
                println!(
                    "    ‖∇ {:<9}‖ = {norm:.5}  (shape {:?})",
                    p.name(),
                    p.shape()
                );
            });
        }
        if step == STEPS {
            break;
        }

        // 5. Update by hand: θ ← θ − η ∇θ, skipping frozen parameters.
        net.visit_parameters_mut(&mut |p| {
            if p.is_frozen() {
                return;
            }
            let (value, grad) = p.value_and_grad_mut();
            for (v, g) in value.iter_mut().zip(grad) {
                *v -= LEARNING_RATE * g;
            }
        });
    }

    let final_loss = loss.value(net.forward(x.view(), Mode::Eval)?, (&y).into())?;
    println!("final loss {final_loss:.5}");
    Ok(())
}
