//! Checks that every rank holds a model of rank 0's shape, with an error on every rank.

use super::Communicator;
use crate::model::Layer;
use crate::{Error, Float, Result};

/// Dimensions of a mismatched tensor that the report carries (more are compared, not shown).
const SHOWN_DIMS: usize = 6;
/// Values per rank in the report: first mismatch + 1 (0 = none), ndim + 1 (0 = absent), dims.
const SLOT: usize = 2 + SHOWN_DIMS;

/// A model's parameters then buffers: name and shape, in visiting order.
fn tensors<F: Float>(model: &dyn Layer<F>) -> Vec<(String, Vec<usize>)> {
    let mut list = Vec::new();
    model.visit_parameters(&mut |p| list.push((p.name().to_string(), p.shape().to_vec())));
    model.visit_buffers(&mut |b| list.push((b.name().to_string(), b.value().shape().to_vec())));
    list
}

/// `[count, ndim, dims…, ndim, dims…]` for the shapes.
fn encode(shapes: &[(String, Vec<usize>)]) -> Vec<f64> {
    let mut sig = vec![shapes.len() as f64];
    for (_, s) in shapes {
        sig.push(s.len() as f64);
        sig.extend(s.iter().map(|&d| d as f64));
    }
    sig
}

/// The shapes back from [`encode`]; `None` where the signature is cut short.
fn decode(sig: &[f64]) -> Vec<Option<Vec<usize>>> {
    let count = sig.first().map_or(0, |&c| c as usize);
    let mut out = Vec::with_capacity(count.min(sig.len()));
    let mut at = 1;
    for _ in 0..count {
        let ndim = sig.get(at).map_or(usize::MAX, |&n| n as usize);
        let dims = sig.get(at + 1..at.saturating_add(1).saturating_add(ndim));
        out.push(dims.map(|d| d.iter().map(|&v| v as usize).collect()));
        at = at.saturating_add(1).saturating_add(ndim);
    }
    out
}

/// Rank 0's shapes, on every rank.
fn rank0_shapes(comm: &dyn Communicator, local: &[f64]) -> Result<Vec<Option<Vec<usize>>>> {
    let mut len = [local.len() as f64];
    comm.broadcast(&mut len, 0)?;
    let mut sig = if comm.rank() == 0 {
        local.to_vec()
    } else {
        vec![0.0; len[0] as usize]
    };
    comm.broadcast(&mut sig, 0)?;
    Ok(decode(&sig))
}

/// Checks that every rank's model has rank 0's parameters and buffers, in the same order and
/// with the same shapes. Every rank must call it; on a mismatch every rank returns the same
/// [`Error::Shape`] naming the first mismatched tensor (by the calling rank's name for it),
/// the rank that has it, rank 0's shape and that rank's.
///
/// ```
/// use tuneup::parallel::{check_replicas, run_on_threads, Communicator};
/// use tuneup::prelude::*;
/// let errors = run_on_threads(2, |comm| {
///     let width = if comm.rank() == 0 { 4 } else { 5 };
///     let net = Mlp::new(&[2, width, 1]).build::<f64>()?;
///     Ok(check_replicas(&net, &comm).unwrap_err().to_string())
/// })?;
/// assert!(errors.iter().all(|e| e.contains("0.weight") && e.contains("rank 1")));
/// # Ok::<(), tuneup::Error>(())
/// ```
pub fn check_replicas<F: Float>(model: &dyn Layer<F>, comm: &dyn Communicator) -> Result<()> {
    let mine = tensors(model);
    let root = rank0_shapes(comm, &encode(&mine))?;
    let world = comm.world_size();
    let mut report = vec![0.0; world.saturating_mul(SLOT)];
    if let Some(first) = first_mismatch(&mine, &root) {
        let at = comm.rank() * SLOT;
        report[at] = (first + 1) as f64;
        if let Some((_, shape)) = mine.get(first) {
            report[at + 1] = (shape.len() + 1) as f64;
            for (slot, &d) in report[at + 2..at + SLOT].iter_mut().zip(shape) {
                *slot = d as f64;
            }
        }
    }
    comm.all_reduce_sum(&mut report)?;
    match report.chunks(SLOT).enumerate().find(|(_, s)| s[0] > 0.0) {
        None => Ok(()),
        Some((rank, slot)) => Err(mismatch_error(&mine, &root, rank, slot)),
    }
}

/// The first index where `mine` and rank 0's shapes differ (a missing tensor counts).
fn first_mismatch(mine: &[(String, Vec<usize>)], root: &[Option<Vec<usize>>]) -> Option<usize> {
    let n = mine.len().max(root.len());
    (0..n).find(|&i| {
        let a = mine.get(i).map(|(_, s)| s);
        let b = root.get(i).and_then(|s| s.as_ref());
        a != b
    })
}

fn mismatch_error(
    mine: &[(String, Vec<usize>)],
    root: &[Option<Vec<usize>>],
    rank: usize,
    slot: &[f64],
) -> Error {
    let index = slot[0] as usize - 1;
    let name = mine
        .get(index)
        .map_or_else(|| format!("#{index}"), |(n, _)| format!("`{n}`"));
    let expected = match root.get(index).and_then(|s| s.as_ref()) {
        Some(s) => format!("{s:?} as on rank 0"),
        None => "no such tensor, as on rank 0".to_string(),
    };
    let found = match slot[1] as usize {
        0 => format!("no such tensor on rank {rank}"),
        n => {
            let dims: Vec<usize> = slot[2..2 + (n - 1).min(SHOWN_DIMS)]
                .iter()
                .map(|&d| d as usize)
                .collect();
            format!("{dims:?} on rank {rank}")
        }
    };
    Error::shape(
        format!("data-parallel replicas: parameter {name} (tensor {index})"),
        expected,
        found,
    )
}
