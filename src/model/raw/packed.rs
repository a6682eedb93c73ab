//! A right-hand matrix packed once and multiplied many times.
//!
//! The GRU's recurrence multiplies a few rows by the same `W_hh` at every
//! position. `gemm` repacks its right-hand side on every call: 786 KB per
//! position at the default size, more than the product itself costs. A
//! [`PackedRhs`] is packed once per layer call into panels of [`NR`] columns
//! (each panel `k` rows of [`NR`] contiguous floats, the last one padded with
//! zeros to a whole vector), and [`matmul_packed`] runs an AVX-512 micro-kernel
//! over it: up to 8 rows × 48 columns of accumulators stay in registers for
//! the whole `k` loop.
//!
//! Without AVX-512 (checked at run time, so a portable build still runs) the
//! matrix is kept dense and the product goes through `gemm` as before.

// `unsafe` is denied crate-wide (Cargo.toml) and allowed here alone:
// the AVX-512 micro-kernel: intrinsics on bounds-checked views, entered only where the CPU reports AVX-512F.
#![allow(unsafe_code)]

use super::{MatMut, MatRef, assert_product_shapes, matmul_serial};

/// Columns per panel: three 16-float vectors.
const NR: usize = 48;
/// Lanes of one vector.
const LANES: usize = 16;
/// Rows per micro-kernel call.
const MR: usize = 8;
/// Depth per micro-kernel call: a 128 × 48 block of a panel is 24 KB, so it
/// stays in the 48 KB L1 cache while every row tile passes over it.
const KC: usize = 128;

/// A `[k, n]` matrix laid out for [`matmul_packed`].
pub(crate) struct PackedRhs {
    k: usize,
    n: usize,
    layout: Layout,
    data: Vec<f32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// Panels of [`NR`] columns; panel `p` starts at `p * NR * k`.
    Panels,
    /// Dense row-major, for `gemm`.
    Dense,
}

impl PackedRhs {
    /// Packs `rhs` for this machine: panels where AVX-512 is available, a
    /// dense copy otherwise.
    pub(crate) fn new(rhs: MatRef<'_>) -> Self {
        if avx512() {
            Self::panels(rhs)
        } else {
            Self::dense(rhs)
        }
    }

    fn panels(rhs: MatRef<'_>) -> Self {
        let (k, n) = (rhs.rows, rhs.cols);
        let mut data = vec![0.0; k * n.next_multiple_of(LANES)];
        for j0 in (0..n).step_by(NR) {
            let width = (n - j0).min(NR);
            let stored = width.next_multiple_of(LANES);
            let panel = &mut data[j0 * k..][..k * stored];
            for (p, row) in panel.chunks_exact_mut(stored).enumerate() {
                for (c, slot) in row[..width].iter_mut().enumerate() {
                    *slot = rhs.data[p * rhs.row_stride + (j0 + c) * rhs.col_stride];
                }
            }
        }
        Self {
            k,
            n,
            layout: Layout::Panels,
            data,
        }
    }

    fn dense(rhs: MatRef<'_>) -> Self {
        let (k, n) = (rhs.rows, rhs.cols);
        let mut data = Vec::with_capacity(k * n);
        for p in 0..k {
            data.extend((0..n).map(|c| rhs.data[p * rhs.row_stride + c * rhs.col_stride]));
        }
        Self {
            k,
            n,
            layout: Layout::Dense,
            data,
        }
    }
}

fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `dst = lhs · rhs`, or `dst += lhs · rhs` when `accumulate`, on the calling
/// thread. `lhs` may have any row stride; its columns must be contiguous.
///
/// Panics when the shapes do not agree.
pub(crate) fn matmul_packed(dst: MatMut<'_>, accumulate: bool, lhs: MatRef<'_>, rhs: &PackedRhs) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.n);
    assert_product_shapes(&dst, &lhs, rhs.k, n);
    match rhs.layout {
        Layout::Dense => matmul_serial(dst, accumulate, lhs, MatRef::dense(&rhs.data, k, n)),
        Layout::Panels => {
            assert!(
                lhs.col_stride == 1 || m == 0 || k <= 1,
                "packed products need contiguous left-hand rows"
            );
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Panels` is only built after `avx512()` found AVX-512F
            // on this machine.
            unsafe {
                avx512::product(dst, accumulate, lhs, rhs)
            }
            #[cfg(not(target_arch = "x86_64"))]
            unreachable!("panels are only built on x86-64")
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, __mmask16, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps,
        _mm512_maskz_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps,
    };

    use super::{KC, LANES, MR, MatMut, MatRef, NR, PackedRhs};

    /// Where one micro-kernel call reads and writes.
    struct Tile {
        /// First element of the tile's first left-hand row.
        a: *const f32,
        a_stride: usize,
        /// The panel, `k` rows of `stored` floats.
        b: *const f32,
        stored: usize,
        k: usize,
        /// First element of the tile's first output row.
        c: *mut f32,
        c_stride: usize,
        /// Valid output columns, `1..=stored`.
        width: usize,
        accumulate: bool,
    }

    /// # Safety
    /// The caller checks that the CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn product(
        dst: MatMut<'_>,
        accumulate: bool,
        lhs: MatRef<'_>,
        rhs: &PackedRhs,
    ) {
        let (m, k, n) = (lhs.rows, lhs.cols, rhs.n);
        if m == 0 || n == 0 {
            return;
        }
        let dst_ptr = dst.data.as_mut_ptr();
        for j0 in (0..n).step_by(NR) {
            let width = (n - j0).min(NR);
            let stored = width.next_multiple_of(LANES);
            for k0 in (0..k).step_by(KC) {
                let depth = (k - k0).min(KC);
                for i0 in (0..m).step_by(MR) {
                    let rows = (m - i0).min(MR);
                    // SAFETY: the views were bounds-checked at construction,
                    // and the shapes agree (asserted by the caller): rows
                    // `i0..i0 + rows` of `lhs` hold `k` contiguous floats
                    // each (we read `k0..k0 + depth`), the panel at `j0 * k`
                    // holds `k * stored` floats of `rhs.data` (we read its
                    // rows `k0..k0 + depth`), and rows `i0..` of `dst` hold
                    // columns `j0..j0 + width`. Output lanes past `width` are
                    // masked, so they are never touched.
                    let tile = Tile {
                        a: unsafe { lhs.data.as_ptr().add(i0 * lhs.row_stride + k0) },
                        a_stride: lhs.row_stride,
                        b: unsafe { rhs.data.as_ptr().add(j0 * k + k0 * stored) },
                        stored,
                        k: depth,
                        c: unsafe { dst_ptr.add(i0 * dst.row_stride + j0) },
                        c_stride: dst.row_stride,
                        width,
                        // Later depth blocks add to the earlier ones.
                        accumulate: accumulate || k0 > 0,
                    };
                    unsafe { dispatch(rows, stored / LANES, &tile) }
                }
            }
        }
        if k == 0 && !accumulate {
            for i in 0..m {
                dst.data[i * dst.row_stride..][..n].fill(0.0);
            }
        }
    }

    /// Picks the kernel compiled for `rows` × `vectors`.
    #[target_feature(enable = "avx512f")]
    unsafe fn dispatch(rows: usize, vectors: usize, tile: &Tile) {
        macro_rules! by_rows {
            ($nv:literal) => {
                match rows {
                    1 => unsafe { kernel::<1, $nv>(tile) },
                    2 => unsafe { kernel::<2, $nv>(tile) },
                    3 => unsafe { kernel::<3, $nv>(tile) },
                    4 => unsafe { kernel::<4, $nv>(tile) },
                    5 => unsafe { kernel::<5, $nv>(tile) },
                    6 => unsafe { kernel::<6, $nv>(tile) },
                    7 => unsafe { kernel::<7, $nv>(tile) },
                    8 => unsafe { kernel::<8, $nv>(tile) },
                    _ => unreachable!("{rows} rows in a tile"),
                }
            };
        }
        match vectors {
            1 => by_rows!(1),
            2 => by_rows!(2),
            3 => by_rows!(3),
            _ => unreachable!("{vectors} vectors in a panel"),
        }
    }

    /// `R` rows × `V` vectors of accumulators, kept in registers over `k`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn kernel<const R: usize, const V: usize>(t: &Tile) {
        let mut acc = [[_mm512_setzero_ps(); V]; R];
        for p in 0..t.k {
            // SAFETY: see `product`: `p < k` stays inside the row and panel.
            unsafe {
                let b_row = t.b.add(p * t.stored);
                let b: [__m512; V] = std::array::from_fn(|v| _mm512_loadu_ps(b_row.add(v * LANES)));
                for (i, acc) in acc.iter_mut().enumerate() {
                    let a = _mm512_set1_ps(*t.a.add(i * t.a_stride + p));
                    for v in 0..V {
                        acc[v] = _mm512_fmadd_ps(a, b[v], acc[v]);
                    }
                }
            }
        }
        for (i, acc) in acc.iter().enumerate() {
            for (v, &sum) in acc.iter().enumerate() {
                let first = v * LANES;
                if first >= t.width {
                    break;
                }
                let lanes = (t.width - first).min(LANES);
                let mask: __mmask16 = if lanes == LANES { !0 } else { (1 << lanes) - 1 };
                // SAFETY: the masked lanes are columns `< width` of row `i`.
                unsafe {
                    let c = t.c.add(i * t.c_stride + first);
                    let sum = if t.accumulate {
                        _mm512_add_ps(sum, _mm512_maskz_loadu_ps(mask, c))
                    } else {
                        sum
                    };
                    _mm512_mask_storeu_ps(c, mask, sum);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + seed) * 0.618).sin()).collect()
    }

    /// Both layouts against `gemm`, over shapes that leave partial row
    /// tiles, partial panels and partial vectors, with and without
    /// accumulation, and with a left-hand row stride wider than `k`.
    #[test]
    fn packed_products_match_gemm_on_ragged_shapes() {
        let shapes = [
            (1, 1, 1),
            (3, 5, 7),
            (8, 16, 48),
            (9, 33, 50),
            (16, 256, 768),
            (13, 70, 97),
        ];
        for (m, k, n) in shapes {
            let stride = k + 3;
            let a = values(m * stride, 1.0);
            let b = values(k * n, 2.0);
            let lhs = MatRef::rows(&a, m, k, stride);
            let rhs = MatRef::dense(&b, k, n);
            let transposed = super::super::transpose(&b, k, n);
            let rhs_t = MatRef::transposed(&transposed, k, n);
            let start = values(m * n, 3.0);
            for accumulate in [false, true] {
                let mut want = start.clone();
                matmul_serial(MatMut::dense(&mut want, m, n), accumulate, lhs, rhs);
                let mut packings = vec![PackedRhs::dense(rhs), PackedRhs::dense(rhs_t)];
                if avx512() {
                    packings.extend([PackedRhs::panels(rhs), PackedRhs::panels(rhs_t)]);
                }
                for packed in &packings {
                    let mut got = start.clone();
                    matmul_packed(MatMut::dense(&mut got, m, n), accumulate, lhs, packed);
                    let worst = got
                        .iter()
                        .zip(&want)
                        .map(|(g, w)| (g - w).abs())
                        .fold(0.0f32, f32::max);
                    assert!(
                        worst < 1e-4,
                        "{m}x{k}x{n} ({:?}, accumulate {accumulate}): off by {worst}",
                        packed.layout
                    );
                }
            }
        }
    }

    /// Only the product's columns of each output row are written.
    #[test]
    fn packed_product_leaves_the_rest_of_a_strided_output_alone() {
        let (m, k, n, stride) = (3, 4, 20, 25);
        let a = values(m * k, 4.0);
        let b = values(k * n, 5.0);
        let packed = PackedRhs::new(MatRef::dense(&b, k, n));
        let mut out = vec![7.0; (m - 1) * stride + n + 2];
        matmul_packed(
            MatMut::rows(&mut out, m, n, stride),
            false,
            MatRef::dense(&a, m, k),
            &packed,
        );
        for (i, v) in out.iter().enumerate() {
            if i % stride >= n || i >= (m - 1) * stride + n {
                assert_eq!(*v, 7.0, "element {i} outside the product was written");
            }
        }
    }
}
