//! The raw CPU `f32` path: slices borrowed from candle storage, and row-major
//! matrix products on them. This is the one place that calls `gemm` directly,
//! so the rest of the model code stays safe.
//!
//! The fused GRU and the generation loop run many small products (a few rows
//! times a weight matrix); going through candle tensors costs an allocation
//! and a dispatch each, and candle's transposed-rhs path is slow for few rows
//! (PERFORMANCE-FACTS.md).

// `unsafe` is denied crate-wide (Cargo.toml) and allowed here alone:
// the one `gemm` call, behind bounds-checked views.
#![allow(unsafe_code)]

use std::ops::Range;

use candle_core::{CpuStorage, Layout, Result, Storage, StorageRef, Tensor, bail};
use gemm::Parallelism;

mod packed;
pub(crate) mod reduce;
mod scratch;
pub(crate) use packed::{PackedRhs, matmul_packed};
pub(crate) use scratch::Scratch;
#[cfg(test)]
pub(crate) use scratch::recycle;

/// The elements of a contiguous `f32` CPU storage under `layout`.
pub(crate) fn storage_f32<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    what: &str,
) -> Result<&'a [f32]> {
    let data = storage.as_slice::<f32>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => bail!("{what} must be contiguous"),
    }
}

/// Runs `f` on the elements of an `f32` CPU tensor (made contiguous first).
pub(crate) fn with_f32<R>(
    tensor: &Tensor,
    what: &str,
    f: impl FnOnce(&[f32]) -> Result<R>,
) -> Result<R> {
    let tensor = tensor.contiguous()?;
    let (storage, layout) = tensor.storage_and_layout();
    match &*storage {
        Storage::Cpu(cpu) => f(storage_f32(cpu, layout, what)?),
        _ => bail!(
            "{what} must be on the cpu, found {:?}",
            tensor.device().location()
        ),
    }
}

/// The elements of an `f32` CPU tensor, borrowed without a copy: a read
/// lock on its storage, held until this is dropped. A tensor that is not
/// contiguous is copied instead. Hold it only where nothing writes the
/// tensor (the optimizer runs after the step's gradients are taken).
pub(crate) enum F32Ref<'a> {
    Locked(StorageRef<'a>, Range<usize>),
    Owned(Vec<f32>),
}

impl<'a> F32Ref<'a> {
    pub(crate) fn new(tensor: &'a Tensor, what: &str) -> Result<Self> {
        let (storage, layout) = tensor.storage_and_layout();
        if let (Storage::Cpu(CpuStorage::F32(_)), Some((start, end))) =
            (&*storage, layout.contiguous_offsets())
        {
            return Ok(Self::Locked(storage, start..end));
        }
        drop(storage);
        Ok(Self::Owned(with_f32(tensor, what, |data| {
            Ok(data.to_vec())
        })?))
    }
}

impl std::ops::Deref for F32Ref<'_> {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        match self {
            Self::Locked(storage, range) => match &**storage {
                Storage::Cpu(CpuStorage::F32(data)) => &data[range.clone()],
                _ => unreachable!("checked to be f32 on the CPU when borrowed"),
            },
            Self::Owned(data) => data,
        }
    }
}

/// `eˣ` within 2e-7 relative (tested), without branches or calls so that loops over it
/// vectorise (libm's `expf`/`tanhf` took a quarter of the fused GRU's time).
/// Inputs are clamped to [−87, 88], where the result is a normal float.
#[inline(always)]
pub(crate) fn fast_exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    // Two-part ln 2 keeps the reduction exact enough; no `mul_add`, which
    // is a libm call on baseline x86-64.
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Cephes' minimax polynomial for e^r on |r| ≤ ln2/2.
    let mut p = 1.987_569_2e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    let n_int = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let scale = f32::from_bits(((n_int + 127) << 23) as u32);
    e * scale
}

/// A read-only strided view of a matrix inside a slice.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major matrix whose rows are `row_stride` elements apart.
    pub(crate) fn rows(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        Self::strided(data, rows, cols, row_stride, 1)
    }

    /// A dense row-major matrix.
    pub(crate) fn dense(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols, 1)
    }

    /// The transpose of a dense row-major `[cols, rows]` matrix, without copying.
    pub(crate) fn transposed(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, 1, rows)
    }

    /// Any strides. Panics when an element would fall outside `data`: that is
    /// what makes the `gemm` call below sound.
    pub(crate) fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        assert_in_bounds(data.len(), rows, cols, row_stride, col_stride);
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }
}

impl MatRef<'_> {
    /// The transpose, without copying.
    pub(crate) fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// A writable dense-rows view of a matrix inside a slice.
#[derive(Debug)]
pub(crate) struct MatMut<'a> {
    data: &'a mut [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
}

impl<'a> MatMut<'a> {
    /// A row-major matrix whose rows are `row_stride` elements apart.
    pub(crate) fn rows(data: &'a mut [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        assert_in_bounds(data.len(), rows, cols, row_stride, 1);
        Self {
            data,
            rows,
            cols,
            row_stride,
        }
    }

    /// A dense row-major matrix.
    pub(crate) fn dense(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self::rows(data, rows, cols, cols)
    }

    /// The matrix cut into views of `per` rows (the last may have fewer),
    /// for threads to write side by side.
    pub(crate) fn row_blocks(self, per: usize) -> Vec<MatMut<'a>> {
        let per = per.max(1);
        let (rows, cols, stride) = (self.rows, self.cols, self.row_stride);
        let mut blocks = Vec::with_capacity(rows.div_ceil(per));
        let mut rest = self.data;
        let mut first = 0;
        while first < rows {
            let n = per.min(rows - first);
            let take = if first + n < rows {
                n * stride
            } else {
                rest.len()
            };
            let (block, tail) = std::mem::take(&mut rest).split_at_mut(take);
            blocks.push(MatMut::rows(block, n, cols, stride));
            rest = tail;
            first += n;
        }
        blocks
    }
}

fn assert_in_bounds(len: usize, rows: usize, cols: usize, row_stride: usize, col_stride: usize) {
    if rows == 0 || cols == 0 {
        return;
    }
    let last = (rows - 1).checked_mul(row_stride).and_then(|r| {
        (cols - 1)
            .checked_mul(col_stride)
            .and_then(|c| r.checked_add(c))
    });
    assert!(
        matches!(last, Some(last) if last < len),
        "matrix view {rows}x{cols} (strides {row_stride},{col_stride}) exceeds a slice of {len}"
    );
}

/// Products below this many multiply-adds run on one thread. Measured on two
/// cores in alternating runs: 2¹⁸ beat 2²² (and never-parallel) on training
/// at 2048/128/256 and on 8-candidate generation at 2048/128/256 and
/// 10000/300/512; 3·10⁴ was no better than 2²².
const PARALLEL_MIN_MACS: usize = 1 << 18;

/// `dst = lhs · rhs`, or `dst += lhs · rhs` when `accumulate`.
///
/// Panics when the shapes do not agree; callers derive them from checked
/// tensor shapes, so a mismatch is a bug here, not bad input.
pub(crate) fn matmul(dst: MatMut<'_>, accumulate: bool, lhs: MatRef<'_>, rhs: MatRef<'_>) {
    let macs = lhs.rows * lhs.cols * rhs.cols;
    gemm_into(dst, accumulate, lhs, rhs, worth_threads(macs));
}

/// [`matmul`] on the calling thread only, for callers that already keep
/// every core busy with products of their own.
pub(crate) fn matmul_serial(dst: MatMut<'_>, accumulate: bool, lhs: MatRef<'_>, rhs: MatRef<'_>) {
    gemm_into(dst, accumulate, lhs, rhs, false);
}

/// A matrix product: [`matmul`] or [`matmul_serial`].
pub(crate) type Product = fn(MatMut<'_>, bool, MatRef<'_>, MatRef<'_>);

/// [`matmul`] where the caller leaves the threads free, else
/// [`matmul_serial`] (inside a block that already has a thread).
pub(crate) fn product(threads: bool) -> Product {
    if threads { matmul } else { matmul_serial }
}

/// `acc += part`, element by element: adding per-block shares in order.
pub(crate) fn add_into(acc: &mut [f32], part: &[f32]) {
    for (a, p) in acc.iter_mut().zip(part) {
        *a += p;
    }
}

/// Whether a product of `macs` multiply-adds is worth splitting over threads.
pub(crate) fn worth_threads(macs: usize) -> bool {
    macs >= PARALLEL_MIN_MACS
}

/// Panics unless `dst = lhs · rhs` agrees for a `[rhs_rows, rhs_cols]` rhs:
/// callers derive shapes from checked tensor shapes, so a mismatch is a bug.
fn assert_product_shapes(dst: &MatMut<'_>, lhs: &MatRef<'_>, rhs_rows: usize, rhs_cols: usize) {
    assert!(
        rhs_rows == lhs.cols && dst.rows == lhs.rows && dst.cols == rhs_cols,
        "matmul shapes: dst {}x{}, lhs {}x{}, rhs {rhs_rows}x{rhs_cols}",
        dst.rows,
        dst.cols,
        lhs.rows,
        lhs.cols
    );
}

fn gemm_into(dst: MatMut<'_>, accumulate: bool, lhs: MatRef<'_>, rhs: MatRef<'_>, threads: bool) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert_product_shapes(&dst, &lhs, rhs.rows, n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                dst.data[i * dst.row_stride..][..n].fill(0.0);
            }
        }
        return;
    }
    let parallelism = if threads {
        Parallelism::Rayon(0)
    } else {
        Parallelism::None
    };
    // SAFETY: every view was bounds-checked at construction
    // (`assert_in_bounds`: the largest index reached through its strides lies
    // inside its slice), and the shapes agree (asserted above), so gemm only
    // touches elements of these slices. `dst` is a `&mut` borrow and `lhs`,
    // `rhs` are shared borrows, so the output cannot alias an input. All
    // strides fit in `isize` because they index into existing allocations.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.data.as_mut_ptr(),
            1,
            dst.row_stride as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// A dense row-major copy of the transpose of a `[rows, cols]` matrix.
pub(crate) fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    assert_eq!(
        data.len(),
        rows * cols,
        "transpose of a {rows}x{cols} matrix"
    );
    transpose_of(MatRef::dense(data, rows, cols))
}

/// A dense row-major copy of the transpose of any view, `[cols, rows]`.
pub(crate) fn transpose_of(m: MatRef<'_>) -> Vec<f32> {
    let (rows, cols) = (m.rows, m.cols);
    let mut out = vec![0.0; rows * cols];
    // Blocks keep both the reads and the writes within a few cache lines.
    const BLOCK: usize = 32;
    for r0 in (0..rows).step_by(BLOCK) {
        for c0 in (0..cols).step_by(BLOCK) {
            for r in r0..(r0 + BLOCK).min(rows) {
                for c in c0..(c0 + BLOCK).min(cols) {
                    out[c * rows + r] = m.data[r * m.row_stride + c * m.col_stride];
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        out
    }

    #[test]
    fn matmul_matches_naive_for_plain_transposed_and_accumulated_views() {
        let (m, k, n) = (3, 5, 4);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let want = naive(&a, &b, m, k, n);

        let mut got = vec![0.0; m * n];
        matmul(
            MatMut::dense(&mut got, m, n),
            false,
            MatRef::dense(&a, m, k),
            MatRef::dense(&b, k, n),
        );
        assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-5));

        let bt = transpose(&b, k, n);
        let mut got_t = vec![0.0; m * n];
        let rhs = MatRef::transposed(&bt, k, n);
        matmul(
            MatMut::dense(&mut got_t, m, n),
            false,
            MatRef::dense(&a, m, k),
            rhs,
        );
        assert!(got_t.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-5));

        matmul(
            MatMut::dense(&mut got_t, m, n),
            true,
            MatRef::dense(&a, m, k),
            rhs,
        );
        assert!(
            got_t
                .iter()
                .zip(&want)
                .all(|(g, w)| (g - 2.0 * w).abs() < 1e-5)
        );
    }

    #[test]
    fn row_blocks_cover_a_strided_view_and_nothing_beside_it() {
        // 7 rows of 3 inside rows of 5: blocks of 3, 3 and 1 rows.
        let (rows, cols, stride) = (7, 3, 5);
        let mut data = vec![0.0; (rows - 1) * stride + cols];
        let blocks = MatMut::rows(&mut data, rows, cols, stride).row_blocks(3);
        assert_eq!(
            blocks.iter().map(|b| b.rows).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
        for (k, block) in blocks.into_iter().enumerate() {
            let a = vec![1.0; block.rows];
            let b = vec![(k + 1) as f32; cols];
            matmul(
                block,
                false,
                MatRef::dense(&a, a.len(), 1),
                MatRef::dense(&b, 1, cols),
            );
        }
        for (at, &x) in data.iter().enumerate() {
            let (row, col) = (at / stride, at % stride);
            let want = if col < cols {
                (row / 3 + 1) as f32
            } else {
                0.0
            };
            assert_eq!(x, want, "row {row}, column {col}");
        }
    }

    #[test]
    #[should_panic(expected = "exceeds a slice")]
    fn out_of_bounds_view_is_refused() {
        let data = [0.0; 5];
        let _ = MatRef::dense(&data, 2, 3);
    }
}
