//! The coalitions KernelSHAP evaluates and their weights (shap's `KernelExplainer.explain`):
//! whole subset sizes enumerated while the budget allows, the rest sampled in complementary
//! pairs by the Shapley kernel, seeded.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::Rng;

/// Coalitions (one `bool` per player) and their regression weights.
pub(crate) struct Coalitions {
    pub(crate) masks: Vec<Vec<bool>>,
    pub(crate) weights: Vec<f64>,
}

impl Coalitions {
    fn push(&mut self, mask: Vec<bool>, weight: f64) {
        self.masks.push(mask);
        self.weights.push(weight);
    }
}

/// The coalitions of `m ≥ 2` players under a budget of `nsamples` (at most `2^m − 2`).
pub(crate) fn coalitions(m: usize, nsamples: usize, rng: &mut StdRng) -> Coalitions {
    let num_subset_sizes = (m - 1).div_ceil(2);
    let num_paired = (m - 1) / 2;
    let mut weight_vector: Vec<f64> = (1..=num_subset_sizes)
        .map(|s| (m as f64 - 1.0) / (s as f64 * (m - s) as f64))
        .collect();
    weight_vector
        .iter_mut()
        .take(num_paired)
        .for_each(|w| *w *= 2.0);
    let total: f64 = weight_vector.iter().sum();
    weight_vector.iter_mut().for_each(|w| *w /= total);
    let mut out = Coalitions {
        masks: Vec::new(),
        weights: Vec::new(),
    };
    let full = enumerate_full_sizes(m, nsamples, &weight_vector, num_paired, &mut out);
    if full != num_subset_sizes {
        sample_rest(
            m,
            nsamples,
            &weight_vector,
            (full, num_paired),
            rng,
            &mut out,
        );
    }
    out
}

/// Adds every subset of each size (and its complement) while the budget covers the size's
/// share of the kernel weight; returns how many sizes were enumerated.
fn enumerate_full_sizes(
    m: usize,
    nsamples: usize,
    weights: &[f64],
    paired: usize,
    out: &mut Coalitions,
) -> usize {
    let mut left = nsamples as f64;
    let mut remaining = weights.to_vec();
    let mut full = 0;
    for size in 1..=weights.len() {
        let mut count = binomial(m, size);
        if size <= paired {
            count *= 2.0;
        }
        if left * remaining[size - 1] / count < 1.0 - 1e-8 {
            break;
        }
        full += 1;
        left -= count;
        if remaining[size - 1] < 1.0 {
            let rest = 1.0 - remaining[size - 1];
            remaining.iter_mut().for_each(|w| *w /= rest);
        }
        let mut w = weights[size - 1] / binomial(m, size);
        if size <= paired {
            w /= 2.0;
        }
        for_each_subset(m, size, &mut |mask: &[bool]| {
            out.push(mask.to_vec(), w);
            if size <= paired {
                out.push(mask.iter().map(|b| !b).collect(), w);
            }
        });
    }
    full
}

/// Samples the remaining budget: a size by the kernel, a random subset of it (and its
/// complement for paired sizes), repeated draws adding weight; the sampled weights are then
/// scaled to the kernel weight the enumerated sizes left.
fn sample_rest(
    m: usize,
    nsamples: usize,
    weights: &[f64],
    (full, paired): (usize, usize),
    rng: &mut StdRng,
    out: &mut Coalitions,
) {
    let fixed = out.masks.len();
    let mut left = nsamples.saturating_sub(fixed);
    let mut remaining: Vec<f64> = weights.to_vec();
    remaining.iter_mut().take(paired).for_each(|w| *w /= 2.0);
    let remaining = &remaining[full..];
    let total: f64 = remaining.iter().sum();
    let mut used: HashMap<Vec<bool>, usize> = HashMap::new();
    let mut draws = 0;
    while left > 0 && draws < 4 * nsamples {
        draws += 1;
        let size = draw_index(remaining, total, rng) + full + 1;
        let mut mask = vec![false; m];
        sample(rng, m, size)
            .into_iter()
            .for_each(|j| mask[j] = true);
        let complement: Vec<bool> = mask.iter().map(|b| !b).collect();
        match used.get(&mask) {
            Some(&at) => {
                out.weights[at] += 1.0;
                if left > 0 && size <= paired {
                    out.weights[at + 1] += 1.0;
                }
            }
            None => {
                used.insert(mask.clone(), out.masks.len());
                out.push(mask, 1.0);
                left -= 1;
                if left > 0 && size <= paired {
                    out.push(complement, 1.0);
                    left -= 1;
                }
            }
        }
    }
    let weight_left: f64 = weights[full..].iter().sum();
    let sampled: f64 = out.weights[fixed..].iter().sum();
    if sampled > 0.0 {
        out.weights[fixed..]
            .iter_mut()
            .for_each(|w| *w *= weight_left / sampled);
    }
}

/// An index drawn with probability `weights[i] / total`.
fn draw_index(weights: &[f64], total: f64, rng: &mut StdRng) -> usize {
    let mut u = rng.random::<f64>() * total;
    for (i, &w) in weights.iter().enumerate() {
        if u < w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

/// Calls `f` on every subset of `size` of `m` players, in lexicographic order.
fn for_each_subset(m: usize, size: usize, f: &mut dyn FnMut(&[bool])) {
    let mut chosen: Vec<usize> = (0..size).collect();
    let mut mask = vec![false; m];
    loop {
        mask.iter_mut().for_each(|b| *b = false);
        chosen.iter().for_each(|&j| mask[j] = true);
        f(&mask);
        let Some(i) = (0..size).rev().find(|&i| chosen[i] != i + m - size) else {
            return;
        };
        chosen[i] += 1;
        for k in i + 1..size {
            chosen[k] = chosen[k - 1] + 1;
        }
    }
}

/// `C(n, k)` as an `f64`.
pub(crate) fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_full_budget_enumerates_every_proper_coalition_once() {
        let mut rng = StdRng::seed_from_u64(0);
        for m in 2..=9 {
            let c = coalitions(m, (1 << m) - 2, &mut rng);
            assert_eq!(c.masks.len(), (1 << m) - 2, "m = {m}");
            let mut seen: Vec<_> = c.masks.clone();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), c.masks.len());
            assert!((c.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn a_small_budget_samples_pairs_and_keeps_the_total_weight() {
        let mut rng = StdRng::seed_from_u64(5);
        let c = coalitions(20, 2088, &mut rng);
        assert_eq!(c.masks.len(), 2088);
        assert!((c.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(c
            .masks
            .iter()
            .all(|m| m.iter().any(|&b| b) && !m.iter().all(|&b| b)));
    }
}
