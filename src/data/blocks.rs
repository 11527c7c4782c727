//! Work split into fixed blocks that threads claim one at a time, so that a thread the system
//! leaves waiting (a busy, shared machine) delays nobody: the others take its share. Each
//! block's output place and computation are fixed, so the result does not depend on the
//! number of threads or on which thread ran which block.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Calls `work(b, block)` for every block `b` of `block_len` items of `out` (the last may be
/// shorter), on the calling thread and up to `threads − 1` helpers, each taking the next
/// unclaimed block. A `block_len` of 0 is taken as 1.
pub(crate) fn for_each_block<T, W>(out: &mut [T], block_len: usize, threads: usize, work: W)
where
    T: Send,
    W: Fn(usize, &mut [T]) + Sync,
{
    let blocks: Vec<Mutex<&mut [T]>> = out.chunks_mut(block_len.max(1)).map(Mutex::new).collect();
    let next = AtomicUsize::new(0);
    let run = || loop {
        let b = next.fetch_add(1, Ordering::Relaxed);
        let Some(block) = blocks.get(b) else {
            break;
        };
        let mut part = block.lock().unwrap_or_else(|e| e.into_inner());
        work(b, &mut part);
    };
    let helpers = threads.min(blocks.len()).saturating_sub(1);
    if helpers == 0 {
        run();
        return;
    }
    std::thread::scope(|s| {
        let run = &run;
        for _ in 0..helpers {
            s.spawn(run);
        }
        run();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_once_whatever_the_thread_count() {
        for threads in [1, 2, 5] {
            let mut out = vec![0usize; 1003];
            for_each_block(&mut out, 10, threads, |b, part| {
                for (i, o) in part.iter_mut().enumerate() {
                    *o += b * 10 + i + 1;
                }
            });
            assert!(out.iter().enumerate().all(|(i, &o)| o == i + 1));
        }
        let mut none: Vec<u8> = Vec::new();
        for_each_block(&mut none, 0, 2, |_, _| unreachable!());
    }
}
