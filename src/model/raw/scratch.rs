//! The scratch-buffer pool: large per-step buffers kept for the next
//! training step instead of being freed and faulted in again.

use std::sync::Mutex;

/// Large per-step buffers kept for the next training step: the softmax, the
/// GRU's states, gates and gradient buffers. candle and the allocator would
/// hand back fresh memory each step, which the kernel faults in and clears
/// page by page (18% of a seed-configuration step's samples for the 80 MB
/// softmax alone). Each pooled vector's length is how far it has ever been
/// written (its initialised floats), which may be more than its last user
/// asked for, so a later, longer request is not cleared again.
static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

/// Buffers the pool keeps at most (a training step holds about eight at once).
const POOL_SLOTS: usize = 12;

/// Buffers smaller than this are cheap to allocate and are not kept.
const POOL_MIN_LEN: usize = 1 << 16;

/// `len` floats from the pool; dropping it gives the memory back. The
/// contents are whatever its last user left (initialised floats, never
/// uninitialised memory) unless it was made [`Scratch::zeroed`]: clearing
/// per-step buffers on the main thread, while the other cores wait, was
/// about 7% of a default training step.
pub(crate) struct Scratch {
    /// Initialised floats; `buf.len() >= len`.
    buf: Vec<f32>,
    len: usize,
}

impl Scratch {
    /// For a caller that writes every float before reading it.
    pub(crate) fn to_overwrite(len: usize) -> Self {
        let mut buf = pooled(len);
        if buf.len() < len {
            // A miss. Growing a shorter buffer would copy its stale floats
            // (`realloc`), so a new one gets room for somewhat longer
            // batches; either way it is cleared only as far as it is used.
            if buf.capacity() < len {
                buf = Vec::with_capacity(len + len / 4);
            }
            buf.resize(len, 0.0);
        }
        Self { buf, len }
    }

    /// `len` zeros.
    pub(crate) fn zeroed(len: usize) -> Self {
        let mut scratch = Self::to_overwrite(len);
        scratch.fill(0.0);
        scratch
    }

    /// The floats as a vector of exactly `len`, which leaves the pool (for
    /// candle storage).
    pub(crate) fn into_vec(mut self) -> Vec<f32> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.truncate(self.len);
        buf
    }
}

impl std::ops::Deref for Scratch {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.buf[..self.len]
    }
}

impl std::ops::DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.buf[..self.len]
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        recycle(std::mem::take(&mut self.buf));
    }
}

/// The smallest pooled vector with at least `len` initialised floats, else
/// the longest one with room for `len`, else an empty one.
fn pooled(len: usize) -> Vec<f32> {
    if len < POOL_MIN_LEN {
        return Vec::new();
    }
    POOL.lock()
        .ok()
        .and_then(|mut pool| {
            let fits = (0..pool.len())
                .filter(|&i| pool[i].len() >= len)
                .min_by_key(|&i| pool[i].len());
            let roomy = || {
                (0..pool.len())
                    .filter(|&i| pool[i].capacity() >= len)
                    .max_by_key(|&i| pool[i].len())
            };
            let best = fits.or_else(roomy)?;
            Some(pool.swap_remove(best))
        })
        .unwrap_or_default()
}

/// Gives `buffer` (all of its `len` floats initialised) back for a later
/// [`Scratch`]. When the pool is full the smallest buffer is dropped.
pub(crate) fn recycle(buffer: Vec<f32>) {
    if buffer.len() < POOL_MIN_LEN {
        return;
    }
    if let Ok(mut pool) = POOL.lock() {
        pool.push(buffer);
        if pool.len() > POOL_SLOTS
            && let Some(smallest) = (0..pool.len()).min_by_key(|&i| pool[i].len())
        {
            pool.swap_remove(smallest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_has_the_asked_length_and_zeroed_scratch_is_zero_over_stale_values() {
        let big = POOL_MIN_LEN * 3;
        for _ in 0..POOL_SLOTS {
            recycle(vec![f32::NAN; big]);
        }
        // A short user of a long stale buffer, then a longer one: the
        // buffer keeps its written length, and every view is exactly as long
        // as asked.
        let short = Scratch::to_overwrite(POOL_MIN_LEN);
        assert_eq!(short.len(), POOL_MIN_LEN);
        drop(short);
        let mut long = Scratch::to_overwrite(big + 5);
        assert_eq!(long.len(), big + 5);
        long.fill(1.0);
        assert_eq!(long.into_vec(), vec![1.0; big + 5]);
        for len in [0, 7, POOL_MIN_LEN, big, big * 2] {
            let zeros = Scratch::zeroed(len);
            assert_eq!(zeros.len(), len);
            assert!(zeros.iter().all(|&x| x == 0.0), "stale values at {len}");
        }
    }
}
