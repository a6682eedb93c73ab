//! Deterministic reductions on the thread pool: column sums of a row-major
//! matrix and sums of rows grouped by an index. Partial sums go by fixed
//! blocks of rows in a fixed order, so results do not depend on the number
//! of threads.

use super::{Scratch, add_into};
use rayon::prelude::*;

/// Groups summed per task by [`group_sums`]: a few dozen tasks for the
/// several hundred distinct tokens of a training batch.
const GROUPS_PER_TASK: usize = 32;

/// `out[g] = Σ rows[p]` over the rows `p` with `index[p] == g`, in the
/// order of `p`: the same sums on any number of threads. `rows` is [P,
/// width]; `out` is [groups, width].
pub(crate) fn group_sums(rows: &[f32], width: usize, index: &[u32], groups: usize) -> Scratch {
    // The rows of each group, in order (a counting sort).
    let mut starts = vec![0usize; groups + 1];
    for &g in index {
        starts[g as usize + 1] += 1;
    }
    for g in 0..groups {
        starts[g + 1] += starts[g];
    }
    let mut next = starts.clone();
    let mut order = vec![0u32; index.len()];
    for (p, &g) in index.iter().enumerate() {
        order[next[g as usize]] = p as u32;
        next[g as usize] += 1;
    }
    // Every element is written: a group's first row is copied in.
    let mut out = Scratch::to_overwrite(groups * width);
    out.par_chunks_mut(GROUPS_PER_TASK * width)
        .enumerate()
        .for_each(|(k, out)| {
            for (i, sum) in out.chunks_exact_mut(width).enumerate() {
                let g = k * GROUPS_PER_TASK + i;
                let members = &order[starts[g]..starts[g + 1]];
                match members.split_first() {
                    Some((&first, rest)) => {
                        sum.copy_from_slice(&rows[first as usize * width..][..width]);
                        for &p in rest {
                            add_into(sum, &rows[p as usize * width..][..width]);
                        }
                    }
                    None => sum.fill(0.0),
                }
            }
        });
    out
}

/// Rows summed per task by [`column_sums`]: the partial sums, and so the
/// result, do not depend on the number of threads.
const SUM_ROWS: usize = 256;

/// Sums of the columns of a row-major matrix `width` wide, blocks of rows
/// on the thread pool (this ran on the main thread alone, about 1.5% of a
/// default training step).
pub(crate) fn column_sums(data: &[f32], width: usize) -> Vec<f32> {
    if width == 0 {
        return Vec::new();
    }
    let parts: Vec<Vec<f32>> = data
        .par_chunks(SUM_ROWS * width)
        .map(|rows| sum_rows(rows, width))
        .collect();
    add_parts(parts, width)
}

/// [`column_sums`] on the calling thread, with the same result.
pub(crate) fn column_sums_serial(data: &[f32], width: usize) -> Vec<f32> {
    if width == 0 {
        return Vec::new();
    }
    let parts = data
        .chunks(SUM_ROWS * width)
        .map(|rows| sum_rows(rows, width))
        .collect();
    add_parts(parts, width)
}

fn sum_rows(rows: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0.0; width];
    for row in rows.chunks_exact(width) {
        for (acc, v) in sums.iter_mut().zip(row) {
            *acc += v;
        }
    }
    sums
}

fn add_parts(parts: Vec<Vec<f32>>, width: usize) -> Vec<f32> {
    let mut parts = parts.into_iter();
    let mut sums = parts.next().unwrap_or_else(|| vec![0.0; width]);
    for part in parts {
        for (acc, v) in sums.iter_mut().zip(&part) {
            *acc += v;
        }
    }
    sums
}
