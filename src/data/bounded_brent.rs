//! Brent's bounded scalar minimisation (golden section with parabolic steps), the method of
//! Forsythe, Malcolm & Moler's `fmin`, with the step and stopping rules SciPy's `fminbound`
//! uses, so that both visit the same points and return the same minimiser.

/// Minimises `f` on `[lo, hi]` to absolute tolerance `xtol` (plus a relative `√ε·|x|`), with
/// at most `max_evals` evaluations. Returns the best point found.
pub(crate) fn minimize_bounded(
    mut f: impl FnMut(f64) -> f64,
    lo: f64,
    hi: f64,
    xtol: f64,
    max_evals: usize,
) -> f64 {
    let sqrt_eps = 2.2e-16f64.sqrt();
    let golden = 0.5 * (3.0 - 5.0f64.sqrt());
    let (mut a, mut b) = (lo, hi);
    // best (x, fx), second best (w, fw), previous second best (v, fv)
    let mut x = a + golden * (b - a);
    let mut fx = f(x);
    let (mut v, mut fv, mut w, mut fw) = (x, fx, x, fx);
    let (mut step, mut prev_step) = (0.0f64, 0.0f64);
    let mut evals = 1;
    let mut mid = 0.5 * (a + b);
    let mut tol1 = sqrt_eps * x.abs() + xtol / 3.0;
    let mut tol2 = 2.0 * tol1;
    while (x - mid).abs() > tol2 - 0.5 * (b - a) {
        let mut take_golden = true;
        if prev_step.abs() > tol1 {
            // Fit a parabola through (x, fx), (w, fw), (v, fv).
            let r = (x - w) * (fx - fv);
            let q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            let mut q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let older = prev_step;
            prev_step = step;
            if p.abs() < (0.5 * q * older).abs() && p > q * (a - x) && p < q * (b - x) {
                step = p / q;
                let u = x + step;
                if (u - a) < tol2 || (b - u) < tol2 {
                    let d = mid - x;
                    step = tol1 * if d >= 0.0 { 1.0 } else { -1.0 };
                }
                take_golden = false;
            }
        }
        if take_golden {
            prev_step = if x >= mid { a - x } else { b - x };
            step = golden * prev_step;
        }
        let sign = if step >= 0.0 { 1.0 } else { -1.0 };
        let u = x + sign * step.abs().max(tol1);
        let fu = f(u);
        evals += 1;
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            (v, fv) = (w, fw);
            (w, fw) = (x, fx);
            (x, fx) = (u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv) = (w, fw);
                (w, fw) = (u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
        mid = 0.5 * (a + b);
        tol1 = sqrt_eps * x.abs() + xtol / 3.0;
        tol2 = 2.0 * tol1;
        if evals >= max_evals {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::minimize_bounded;

    #[test]
    fn finds_the_minimum_of_a_smooth_function() {
        let x = minimize_bounded(
            |x| (x - 0.3).powi(2) + (x - 0.3).powi(4),
            -2.0,
            5.0,
            1e-10,
            500,
        );
        assert!((x - 0.3).abs() < 1e-7, "{x}");
        let edge = minimize_bounded(|x| x, 1.0, 2.0, 1e-8, 500);
        assert!((edge - 1.0).abs() < 1e-6, "{edge}");
    }
}
