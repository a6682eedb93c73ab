//! The GRU layer stack behind one small interface: a fused training forward,
//! the step-by-step reference it is tested against, and a graph-free step for
//! generation. Gate order (r, z, n) and weight names are PyTorch's.

use candle_core::{DType, Result, Tensor, bail};
use candle_nn::VarBuilder;

use super::gru_op::{FusedGruLayer, cell};
use super::raw::{MatMut, MatRef, matmul, transpose};

/// One layer's parameters, named as in `torch.nn.GRU`'s `state_dict`.
#[derive(Clone, Debug)]
struct GruLayer {
    /// `weight_ih_l{k}`, [3H, in].
    w_ih: Tensor,
    /// `weight_hh_l{k}`, [3H, H].
    w_hh: Tensor,
    /// `bias_ih_l{k}`, [3H].
    b_ih: Tensor,
    /// `bias_hh_l{k}`, [3H].
    b_hh: Tensor,
}

/// A stack of GRU layers over `[B, T, in]` batches with a zero initial state.
#[derive(Clone, Debug)]
pub struct Gru {
    layers: Vec<GruLayer>,
    in_dim: usize,
    hidden: usize,
}

impl Gru {
    /// Fetches `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, …
    /// from `vb` (the caller passes `vb.pp("gru")`).
    pub fn new(in_dim: usize, hidden: usize, layers: usize, vb: VarBuilder) -> Result<Gru> {
        if in_dim == 0 || hidden == 0 || layers == 0 {
            bail!("gru sizes must be positive, got in {in_dim}, hidden {hidden}, layers {layers}");
        }
        let layers = (0..layers)
            .map(|k| {
                let input = if k == 0 { in_dim } else { hidden };
                Ok(GruLayer {
                    w_ih: vb.get((3 * hidden, input), &format!("weight_ih_l{k}"))?,
                    w_hh: vb.get((3 * hidden, hidden), &format!("weight_hh_l{k}"))?,
                    b_ih: vb.get(3 * hidden, &format!("bias_ih_l{k}"))?,
                    b_hh: vb.get(3 * hidden, &format!("bias_hh_l{k}"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Gru {
            layers,
            in_dim,
            hidden,
        })
    }

    /// Hidden width H.
    pub fn hidden_dim(&self) -> usize {
        self.hidden
    }

    /// Each layer's `[w_ih, w_hh, b_ih, b_hh]`, bottom layer first.
    pub(crate) fn layer_params(&self) -> Vec<[&Tensor; 4]> {
        self.layers
            .iter()
            .map(|l| [&l.w_ih, &l.w_hh, &l.b_ih, &l.b_hh])
            .collect()
    }

    /// Number of stacked layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// The top layer's states `[B, T, H]` for inputs `[B, T, in]`, through the
    /// fused recurrence (differentiable). On a device other than the CPU this
    /// falls back to [`Gru::forward_reference`].
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.run(x, true)
    }

    /// As [`Gru::forward`], with detached weights and no graph: for evaluation.
    pub(crate) fn forward_untracked(&self, x: &Tensor) -> Result<Tensor> {
        self.run(x, false)
    }

    fn check_input(&self, x: &Tensor) -> Result<(usize, usize)> {
        let (batch, seq, width) = x.dims3()?;
        if width != self.in_dim || x.dtype() != DType::F32 {
            bail!(
                "gru input must be f32 [B, T, {}], got {:?} {:?}",
                self.in_dim,
                x.dtype(),
                x.shape()
            );
        }
        Ok((batch, seq))
    }

    /// As [`Gru::forward`] for inputs that are a per-step part `x` `[B, T, in − C]`
    /// followed by a per-row part `context` `[B, C]`, the same at every step:
    /// the context's share of the first layer's input projection is
    /// computed once per row, not once per step.
    pub(crate) fn forward_conditioned(
        &self,
        x: &Tensor,
        context: &Tensor,
        track: bool,
    ) -> Result<Tensor> {
        let (batch, seq, width) = x.dims3()?;
        let (rows, c) = context.dims2()?;
        if rows != batch || width + c != self.in_dim {
            bail!(
                "gru input {:?} and context {:?} must add up to [B, T, {}] and [B, C]",
                x.shape(),
                context.shape(),
                self.in_dim
            );
        }
        if !x.device().is_cpu() {
            let full = Tensor::cat(
                &[x, &context.unsqueeze(1)?.broadcast_as((batch, seq, c))?],
                2,
            )?;
            return self.run(&full, track);
        }
        let w_ih = &self.layers[0].w_ih;
        let w_ih = if track { w_ih.clone() } else { w_ih.detach() };
        let per_row = context.matmul(&w_ih.narrow(1, width, c)?.t()?)?;
        self.run_from(x, Some((&w_ih.narrow(1, 0, width)?, &per_row)), track)
    }

    fn run(&self, x: &Tensor, track: bool) -> Result<Tensor> {
        self.check_input(x)?;
        self.run_from(x, None, track)
    }

    /// The fused stack. `first`, when given, replaces the first layer's input
    /// weight and adds a per-row term `[B, 3H]` to its input projection.
    fn run_from(
        &self,
        x: &Tensor,
        first: Option<(&Tensor, &Tensor)>,
        track: bool,
    ) -> Result<Tensor> {
        let (batch, seq, _) = x.dims3()?;
        if !x.device().is_cpu() {
            let hs = self.forward_reference(x)?;
            return if track { Ok(hs) } else { Ok(hs.detach()) };
        }
        if batch == 0 || seq == 0 {
            return Tensor::zeros((batch, seq, self.hidden), DType::F32, x.device());
        }
        let mut input = if track { x.clone() } else { x.detach() };
        for (k, layer) in self.layers.iter().enumerate() {
            let weights = [&layer.w_ih, &layer.w_hh, &layer.b_ih, &layer.b_hh];
            let [w_ih, w_hh, b_ih, b_hh] =
                weights.map(|w| if track { w.clone() } else { w.detach() });
            let (w_ih, per_row) = match first {
                Some((w, per_row)) if k == 0 => (w.clone(), Some(per_row)),
                _ => (w_ih, None),
            };
            // Both weights side by side: the op computes the input projection.
            let w = Tensor::cat(&[&w_ih, &w_hh], 1)?;
            // A per-row term rides on the input bias: [b_ih + term(row); b_hh].
            let biases = match per_row {
                Some(term) => Tensor::cat(&[&term.broadcast_add(&b_ih)?, &b_hh.unsqueeze(0)?], 0)?,
                None => Tensor::stack(&[&b_ih, &b_hh], 0)?,
            };
            let input_c = input.contiguous()?;
            let tracked = track && (input_c.track_op() || w.track_op() || biases.track_op());
            let mut op = FusedGruLayer::new(tracked);
            if per_row.is_some() {
                op = op.with_per_row_input_bias();
            }
            input = if tracked {
                input_c.apply_op3(&w, &biases, op)?
            } else {
                input_c.apply_op3_no_bwd(&w, &biases, &op)?
            };
        }
        Ok(input)
    }

    /// The same function as [`Gru::forward`], one time step at a time with
    /// plain candle ops under autograd: the reference the fused op is tested
    /// against, and the path on devices without a fused kernel.
    pub fn forward_reference(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, seq) = self.check_input(x)?;
        if seq == 0 {
            return Tensor::zeros((batch, 0, self.hidden), DType::F32, x.device());
        }
        let h = self.hidden;
        let mut input = x.clone();
        for layer in &self.layers {
            let mut state = Tensor::zeros((batch, h), DType::F32, x.device())?;
            let mut states = Vec::with_capacity(seq);
            for t in 0..seq {
                let x_t = input.narrow(1, t, 1)?.squeeze(1)?;
                let gi = x_t.matmul(&layer.w_ih.t()?)?.broadcast_add(&layer.b_ih)?;
                let gh = state.matmul(&layer.w_hh.t()?)?.broadcast_add(&layer.b_hh)?;
                let gate = |g: &Tensor, k: usize| g.narrow(1, k * h, h);
                let r = candle_nn::ops::sigmoid(&(gate(&gi, 0)? + gate(&gh, 0)?)?)?;
                let z = candle_nn::ops::sigmoid(&(gate(&gi, 1)? + gate(&gh, 1)?)?)?;
                let n = (gate(&gi, 2)? + r.mul(&gate(&gh, 2)?)?)?.tanh()?;
                state = ((z.ones_like()? - &z)?.mul(&n)? + z.mul(&state)?)?;
                states.push(state.clone());
            }
            input = Tensor::stack(&states, 1)?;
        }
        Ok(input)
    }

    /// One generation step for `N` rows: input `[N, in]`, states `h` (one
    /// `[N, H]` per layer) updated in place; returns the top layer's new
    /// state. No graph is recorded. This copies the weights each call; a loop
    /// should take [`Gru::freeze`] once and step that.
    pub fn step(&self, x: &Tensor, h: &mut [Tensor]) -> Result<Tensor> {
        let (rows, width) = x.dims2()?;
        if width != self.in_dim || h.len() != self.layers.len() {
            bail!(
                "gru step wants input [N, {}] and {} states, got {:?} and {}",
                self.in_dim,
                self.layers.len(),
                x.shape(),
                h.len()
            );
        }
        let frozen = self.freeze()?;
        let x_data = x.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
        let mut states = h
            .iter()
            .map(|s| {
                if s.dims() != [rows, self.hidden] {
                    bail!(
                        "gru step state must be [{rows}, {}], got {:?}",
                        self.hidden,
                        s.shape()
                    );
                }
                s.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()
            })
            .collect::<Result<Vec<_>>>()?;
        frozen.step(&x_data, rows, &mut states);
        for (slot, state) in h.iter_mut().zip(states) {
            *slot = Tensor::from_vec(state, (rows, self.hidden), x.device())?;
        }
        Ok(h[h.len() - 1].clone())
    }

    /// A detached copy of the weights, laid out for few-row generation steps.
    pub fn freeze(&self) -> Result<FrozenGru> {
        let h = self.hidden;
        let layers = self
            .layers
            .iter()
            .map(|layer| {
                let input = layer.w_ih.dim(1)?;
                let flat = |t: &Tensor| t.detach().flatten_all()?.to_vec1::<f32>();
                Ok(FrozenLayer {
                    in_dim: input,
                    w_ih_t: transpose(&flat(&layer.w_ih)?, 3 * h, input),
                    b_ih: flat(&layer.b_ih)?,
                    w_hh_t: transpose(&flat(&layer.w_hh)?, 3 * h, h),
                    b_hh: flat(&layer.b_hh)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(FrozenGru { layers, hidden: h })
    }
}

/// One layer's weights, transposed to dense `[in, 3H]` and `[H, 3H]` so that
/// few-row products read them along rows (PERFORMANCE-FACTS.md: few-row
/// products with a transposed right-hand side are the slow case).
#[derive(Clone, Debug)]
struct FrozenLayer {
    in_dim: usize,
    w_ih_t: Vec<f32>,
    b_ih: Vec<f32>,
    w_hh_t: Vec<f32>,
    b_hh: Vec<f32>,
}

/// A snapshot of a [`Gru`]'s weights for generation: plain buffers, no graph.
#[derive(Clone, Debug)]
pub struct FrozenGru {
    layers: Vec<FrozenLayer>,
    hidden: usize,
}

impl FrozenGru {
    /// Hidden width H.
    pub fn hidden_dim(&self) -> usize {
        self.hidden
    }

    /// Number of stacked layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Input width of the first layer.
    pub fn in_dim(&self) -> usize {
        self.layers[0].in_dim
    }

    /// One step for `rows` rows: `x` is `[rows, in]` row-major; `h` holds one
    /// `[rows, H]` buffer per layer, updated in place (the top layer's is the
    /// output). Panics if the buffer sizes disagree with `rows`.
    pub fn step(&self, x: &[f32], rows: usize, h: &mut [Vec<f32>]) {
        let hidden = self.hidden;
        let g3 = 3 * hidden;
        assert_eq!(h.len(), self.layers.len(), "one state per gru layer");
        let mut xw = vec![0.0; rows * g3];
        let mut hh = vec![0.0; rows * g3];
        let mut gates = vec![0.0; 4 * hidden];
        for (k, layer) in self.layers.iter().enumerate() {
            let (below, current) = h.split_at_mut(k);
            let input: &[f32] = if k == 0 { x } else { &below[k - 1] };
            let state = &mut current[0];
            let input_view = MatRef::dense(input, rows, layer.in_dim);
            let w_ih = MatRef::dense(&layer.w_ih_t, layer.in_dim, g3);
            matmul(MatMut::dense(&mut xw, rows, g3), false, input_view, w_ih);
            let w_hh = MatRef::dense(&layer.w_hh_t, hidden, g3);
            matmul(
                MatMut::dense(&mut hh, rows, g3),
                false,
                MatRef::dense(state, rows, hidden),
                w_hh,
            );
            for row in 0..rows {
                let (xw_row, hh_row) = (&xw[row * g3..][..g3], &hh[row * g3..][..g3]);
                let h_row = &mut state[row * hidden..][..hidden];
                cell(xw_row, hh_row, &layer.b_ih, &layer.b_hh, h_row, &mut gates);
            }
        }
    }
}
