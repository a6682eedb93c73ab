//! Numbers checked against references: the step-by-step GRU under autograd,
//! finite differences, PyTorch, and a plain full-softmax cross-entropy.

use std::collections::HashMap;

use candle_core::{D, DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

fn cfg(layers: usize) -> ModelConfig {
    ModelConfig {
        vocab_size: 13,
        embed_dim: 4,
        hidden_dim: 6,
        layers,
        pad_id: 0,
        context_token: None,
    }
}

/// `cfg` with a history context opened by token 12.
fn context_cfg(layers: usize) -> ModelConfig {
    ModelConfig {
        context_token: Some(CONTEXT_OPEN),
        ..cfg(layers)
    }
}

const CONTEXT_OPEN: u32 = 12;

fn random(shape: &[usize], seed: u64) -> Tensor {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let len = shape.iter().product();
    let data: Vec<f32> = (0..len).map(|_| rng.random_range(-1.0..1.0)).collect();
    Tensor::from_vec(data, shape, &Device::Cpu).unwrap()
}

fn random_tokens(batch: usize, seq: usize, vocab: u32, seed: u64) -> Tensor {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let data: Vec<u32> = (0..batch * seq)
        .map(|_| rng.random_range(0..vocab))
        .collect();
    Tensor::from_vec(data, (batch, seq), &Device::Cpu).unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims());
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar()
        .unwrap()
}

fn max_abs(a: &Tensor) -> f32 {
    a.abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar()
        .unwrap()
}

fn var(vm: &VarMap, name: &str) -> Var {
    vm.data().lock().unwrap()[name].clone()
}

fn gru_from(vm: &VarMap, c: &ModelConfig) -> Gru {
    let vb = VarBuilder::from_varmap(vm, DType::F32, &Device::Cpu);
    Gru::new(c.input_dim(), c.hidden_dim, c.layers, vb.pp("gru")).unwrap()
}

fn model_from(vm: &VarMap, c: &ModelConfig) -> LanguageModel {
    LanguageModel::new(c, VarBuilder::from_varmap(vm, DType::F32, &Device::Cpu)).unwrap()
}

#[test]
fn fused_forward_matches_reference_for_one_and_two_layers() {
    for layers in [1, 2] {
        let c = cfg(layers);
        let vm = init_varmap(&c, 7).unwrap();
        let gru = gru_from(&vm, &c);
        let x = random(&[3, 5, 4], 1);
        let fused = gru.forward(&x).unwrap();
        let reference = gru.forward_reference(&x).unwrap();
        assert_eq!(fused.dims(), [3, 5, 6]);
        let diff = max_abs_diff(&fused, &reference);
        assert!(diff < 1e-5, "layers {layers}: max diff {diff}");
    }
}

/// `(hs ⊙ R).sum()`: every state gets its own gradient.
fn probe_loss(hs: &Tensor) -> Tensor {
    let weights = random(hs.dims(), 99);
    (hs * weights).unwrap().sum_all().unwrap()
}

#[test]
fn fused_gradients_match_reference_autograd() {
    for layers in [1, 2] {
        let c = cfg(layers);
        let vm = init_varmap(&c, 3).unwrap();
        let gru = gru_from(&vm, &c);
        let x = Var::from_tensor(&random(&[3, 5, 4], 2)).unwrap();
        let fused = probe_loss(&gru.forward(x.as_tensor()).unwrap())
            .backward()
            .unwrap();
        let reference = probe_loss(&gru.forward_reference(x.as_tensor()).unwrap())
            .backward()
            .unwrap();
        let mut names: Vec<String> = c
            .parameters()
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| n.starts_with("gru."))
            .collect();
        names.push("x".into());
        for name in names {
            let v = if name == "x" {
                x.clone()
            } else {
                var(&vm, &name)
            };
            let want = reference.get(v.as_tensor()).unwrap();
            let got = fused.get(v.as_tensor()).unwrap();
            let diff = max_abs_diff(got, want);
            let scale = max_abs(want).max(1e-3);
            assert!(
                diff / scale < 1e-4,
                "layers {layers}, {name}: diff {diff}, scale {scale}"
            );
        }
    }
}

#[test]
fn fused_gradients_match_finite_differences() {
    let c = cfg(2);
    let vm = init_varmap(&c, 5).unwrap();
    let gru = gru_from(&vm, &c);
    let x = Var::from_tensor(&random(&[2, 4, 4], 6)).unwrap();
    let loss = |gru: &Gru| -> f32 {
        probe_loss(&gru.forward(x.as_tensor()).unwrap())
            .to_scalar::<f32>()
            .unwrap()
    };
    let grads = probe_loss(&gru.forward(x.as_tensor()).unwrap())
        .backward()
        .unwrap();
    let eps = 1e-2;
    let checks = [
        ("gru.weight_hh_l0", 7),
        ("gru.weight_hh_l1", 40),
        ("gru.weight_ih_l0", 3),
        ("gru.bias_hh_l0", 14),
        ("gru.bias_ih_l1", 1),
        ("x", 9),
    ];
    for (name, index) in checks {
        let v = if name == "x" {
            x.clone()
        } else {
            var(&vm, name)
        };
        let original = v
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        let analytic = grads
            .get(v.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>();
        let analytic = analytic.unwrap()[index];
        let at = |delta: f32| {
            let mut values = original.clone();
            values[index] += delta;
            v.set(&Tensor::from_vec(values, v.shape(), &Device::Cpu).unwrap())
                .unwrap();
            loss(&gru)
        };
        let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
        v.set(&Tensor::from_vec(original, v.shape(), &Device::Cpu).unwrap())
            .unwrap();
        assert!(
            (numeric - analytic).abs() < 2e-3 + 1e-2 * analytic.abs(),
            "{name}[{index}]: numeric {numeric}, analytic {analytic}"
        );
    }
}

#[test]
fn backward_without_cached_gates_recomputes_them() {
    let c = cfg(1);
    let vm = init_varmap(&c, 8).unwrap();
    let gru = gru_from(&vm, &c);
    let x = random(&[2, 3, 4], 4);
    let loss = probe_loss(&gru.forward(&x).unwrap());
    // The first backward takes the cached gates; the second must recompute.
    let first = loss.backward().unwrap();
    let second = loss.backward().unwrap();
    let w = var(&vm, "gru.weight_hh_l0");
    let diff = max_abs_diff(
        first.get(w.as_tensor()).unwrap(),
        second.get(w.as_tensor()).unwrap(),
    );
    assert!(diff < 1e-7, "diff {diff}");
}

fn fixture() -> HashMap<String, Tensor> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/model/torch_gru.safetensors"
    );
    candle_core::safetensors::load(path, &Device::Cpu).unwrap()
}

#[test]
fn matches_pytorch_fixture() {
    let tensors = fixture();
    let c = ModelConfig {
        vocab_size: 11,
        embed_dim: 4,
        hidden_dim: 6,
        layers: 2,
        pad_id: 0,
        context_token: None,
    };
    let model = LanguageModel::new(
        &c,
        VarBuilder::from_tensors(tensors.clone(), DType::F32, &Device::Cpu),
    )
    .unwrap();
    let u32_of = |name: &str| tensors[name].to_dtype(DType::U32).unwrap();
    let (tokens, targets, mask) = (
        u32_of("input.tokens"),
        u32_of("input.targets"),
        tensors["input.mask"].clone(),
    );

    let hidden = model.hidden(&tokens).unwrap();
    let diff = max_abs_diff(&hidden, &tensors["expected.hidden"]);
    assert!(diff < 1e-5, "hidden differs from torch by {diff}");

    let logits = hidden
        .broadcast_matmul(&tensors["out.weight"].t().unwrap())
        .unwrap()
        .broadcast_add(&tensors["out.bias"])
        .unwrap();
    let diff = max_abs_diff(&logits, &tensors["expected.logits"]);
    assert!(diff < 1e-5, "logits differ from torch by {diff}");

    let loss = model
        .loss(&tokens, &targets, &mask)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    let want = tensors["expected.loss"].to_vec1::<f32>().unwrap()[0];
    assert!((loss - want).abs() < 1e-5, "loss {loss}, torch {want}");

    // Generation: the last position's logits, and each layer's final state
    // through `Gru::step`.
    let want_logits = tensors["expected.logits"].to_vec3::<f32>().unwrap();
    let h_n = tensors["expected.h_n"].to_vec3::<f32>().unwrap();
    let close = |got: &[f32], want: &[f32]| {
        got.iter()
            .zip(want)
            .map(|(a, w)| (a - w).abs())
            .fold(0.0, f32::max)
    };
    for (b, row) in tokens.to_vec2::<u32>().unwrap().iter().enumerate() {
        let mut state = model.prefill(&row[..1], 1).unwrap();
        for &t in &row[1..] {
            model.step(&mut state, &[t]).unwrap();
        }
        let diff = close(state.logits(), &want_logits[b][row.len() - 1]);
        assert!(diff < 1e-5, "row {b}: generation logits differ by {diff}");

        let mut h: Vec<Tensor> = (0..2)
            .map(|_| Tensor::zeros((1, 6), DType::F32, &Device::Cpu).unwrap())
            .collect();
        for &token in row {
            let x = tensors["embed.weight"].get(token as usize).unwrap();
            model.gru().step(&x.unsqueeze(0).unwrap(), &mut h).unwrap();
        }
        for (layer, state) in h.iter().enumerate() {
            let got = state.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let diff = close(&got, &h_n[layer][b]);
            assert!(diff < 1e-5, "row {b} layer {layer}: h_n differs by {diff}");
        }
    }
}

/// Mean −log softmax(target) over masked positions, with plain candle ops.
fn plain_loss(
    model_vm: &VarMap,
    gru: &Gru,
    tokens: &Tensor,
    targets: &Tensor,
    mask: &Tensor,
) -> Tensor {
    let (batch, seq) = tokens.dims2().unwrap();
    let embed = var(model_vm, "embed.weight");
    let x = embed
        .as_tensor()
        .index_select(&tokens.flatten_all().unwrap(), 0)
        .unwrap();
    let hs = gru
        .forward_reference(&x.reshape((batch, seq, ())).unwrap())
        .unwrap();
    masked_mean_nll(model_vm, &hs, targets, mask)
}

/// Mean −log softmax(features·Wᵀ + b)[target] over masked positions, with
/// the output layer of `vm`: the plain references' common end.
fn masked_mean_nll(vm: &VarMap, features: &Tensor, targets: &Tensor, mask: &Tensor) -> Tensor {
    let w = var(vm, "out.weight");
    let b = var(vm, "out.bias");
    let logits = features
        .broadcast_matmul(&w.as_tensor().t().unwrap())
        .unwrap()
        .broadcast_add(b.as_tensor())
        .unwrap();
    let log_probs = candle_nn::ops::log_softmax(&logits, D::Minus1).unwrap();
    let picked = log_probs
        .gather(&targets.unsqueeze(2).unwrap(), 2)
        .unwrap()
        .squeeze(2)
        .unwrap();
    let total = (picked * mask).unwrap().sum_all().unwrap().neg().unwrap();
    total.broadcast_div(&mask.sum_all().unwrap()).unwrap()
}

fn batch(vocab: u32) -> (Tensor, Tensor, Tensor) {
    let tokens = random_tokens(3, 6, vocab, 21);
    let targets = random_tokens(3, 6, vocab, 22);
    let mask = Tensor::new(
        &[
            [0f32, 0., 1., 1., 1., 1.],
            [0., 1., 1., 0., 0., 0.],
            [0., 0., 0., 0., 0., 1.],
        ],
        &Device::Cpu,
    )
    .unwrap();
    (tokens, targets, mask)
}

/// The fused loss equals the plain one, and so does every parameter's gradient.
fn assert_same_loss_and_gradients(vm: &VarMap, c: &ModelConfig, fused: &Tensor, plain: &Tensor) {
    let (f, p) = (
        fused.to_scalar::<f32>().unwrap(),
        plain.to_scalar::<f32>().unwrap(),
    );
    assert!((f - p).abs() < 1e-5, "fused {f}, plain {p}");
    let fused_grads = fused.backward().unwrap();
    let plain_grads = plain.backward().unwrap();
    for (name, _) in c.parameters() {
        let v = var(vm, &name);
        let want = plain_grads.get(v.as_tensor()).unwrap();
        let got = fused_grads.get(v.as_tensor()).unwrap();
        let diff = max_abs_diff(got, want);
        let scale = max_abs(want).max(1e-3);
        assert!(diff / scale < 1e-4, "{name}: diff {diff}, scale {scale}");
    }
}

/// The graph-free training gradients equal `loss().backward()`'s: the same
/// loss, and every parameter's gradient.
fn assert_manual_gradients_match_autograd(
    model: &LanguageModel,
    vm: &VarMap,
    c: &ModelConfig,
    (tokens, targets, mask): (&Tensor, &Tensor, &Tensor),
) {
    let loss = model.loss(tokens, targets, mask).unwrap();
    let want = loss.backward().unwrap();
    let (got_loss, got) = model.loss_and_grads(tokens, targets, mask).unwrap();
    let want_loss = loss.to_scalar::<f32>().unwrap();
    assert!(
        (got_loss - want_loss).abs() < 1e-5,
        "loss {got_loss}, autograd {want_loss}"
    );
    for (name, _) in c.parameters() {
        let v = var(vm, &name);
        let want = want.get(v.as_tensor()).unwrap();
        let got = got
            .get(v.as_tensor())
            .unwrap_or_else(|| panic!("no gradient for {name}"));
        let diff = max_abs_diff(got, want);
        let scale = max_abs(want).max(1e-3);
        assert!(diff / scale < 1e-4, "{name}: diff {diff}, scale {scale}");
    }
}

#[test]
fn loss_and_its_gradients_equal_plain_masked_cross_entropy() {
    let c = cfg(2);
    let vm = init_varmap(&c, 11).unwrap();
    let model = model_from(&vm, &c);
    let (tokens, targets, mask) = batch(13);
    let fused = model.loss(&tokens, &targets, &mask).unwrap();
    let plain = plain_loss(&vm, &gru_from(&vm, &c), &tokens, &targets, &mask);
    assert_same_loss_and_gradients(&vm, &c, &fused, &plain);
    assert_manual_gradients_match_autograd(&model, &vm, &c, (&tokens, &targets, &mask));
}

#[test]
fn target_logprobs_are_consistent_with_loss() {
    let c = cfg(1);
    let vm = init_varmap(&c, 12).unwrap();
    let model = model_from(&vm, &c);
    let (tokens, targets, mask) = batch(13);
    let rows = model.target_logprobs(&tokens, &targets, &mask).unwrap();
    assert_eq!(rows.iter().map(Vec::len).collect::<Vec<_>>(), [4, 2, 1]);
    let all: Vec<f32> = rows.concat();
    let mean_nll = -all.iter().sum::<f32>() / all.len() as f32;
    let loss = model
        .loss(&tokens, &targets, &mask)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(
        (mean_nll - loss).abs() < 1e-5,
        "logprobs give {mean_nll}, loss {loss}"
    );
    assert!(all.iter().all(|&lp| lp < 0.0));
}

#[test]
fn prefill_and_step_reproduce_training_logits() {
    let c = cfg(2);
    let vm = init_varmap(&c, 13).unwrap();
    let model = model_from(&vm, &c);
    let seq: Vec<u32> = vec![3, 1, 4, 1, 5, 9, 2, 6];
    let tokens = Tensor::new(seq.as_slice(), &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let hs = model.hidden(&tokens).unwrap().squeeze(0).unwrap();
    let w = var(&vm, "out.weight");
    let b = var(&vm, "out.bias");
    let want = hs
        .matmul(&w.as_tensor().t().unwrap())
        .unwrap()
        .broadcast_add(b.as_tensor())
        .unwrap();
    let want = want.to_vec2::<f32>().unwrap();

    let prompt = 3;
    let n = 2;
    let mut state = model.prefill(&seq[..prompt], n).unwrap();
    let check = |logits: &[f32], t: usize| {
        for candidate in logits.chunks_exact(c.vocab_size) {
            let diff = candidate
                .iter()
                .zip(&want[t])
                .map(|(a, w)| (a - w).abs())
                .fold(0.0, f32::max);
            assert!(diff < 1e-5, "position {t}: diff {diff}");
        }
    };
    assert_eq!(state.logits().len(), n * c.vocab_size);
    check(state.logits(), prompt - 1);
    for (t, &token) in seq.iter().enumerate().skip(prompt) {
        let logits = model.step(&mut state, &[token; 2]).unwrap();
        check(&logits, t);
        assert_eq!(logits, state.logits());
    }
}

#[test]
fn select_keeps_the_chosen_candidates_in_order() {
    let c = cfg(1);
    let model = model_from(&init_varmap(&c, 14).unwrap(), &c);
    let mut state = model.prefill(&[1, 2], 3).unwrap();
    model.step(&mut state, &[4, 5, 6]).unwrap();
    let before = state.logits().to_vec();
    state.select(&[2, 0]).unwrap();
    assert_eq!(state.n_candidates(), 2);
    let v = c.vocab_size;
    assert_eq!(&state.logits()[..v], &before[2 * v..3 * v]);
    assert_eq!(&state.logits()[v..], &before[..v]);
    // Row 0 of the new state is the old row 2: feeding it the same token again
    // must match a fresh run of that history.
    model.step(&mut state, &[7, 7]).unwrap();
    let mut fresh = model.prefill(&[1, 2, 6], 1).unwrap();
    model.step(&mut fresh, &[7]).unwrap();
    let diff = state.logits()[..v]
        .iter()
        .zip(fresh.logits())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(diff < 1e-6, "diff {diff}");
    assert!(state.select(&[2]).is_err());
}

#[test]
fn init_is_deterministic_and_complete() {
    let c = cfg(2);
    let a = init_varmap(&c, 42).unwrap();
    let b = init_varmap(&c, 42).unwrap();
    let other = init_varmap(&c, 43).unwrap();
    for (name, shape) in c.parameters() {
        let (va, vb, vo) = (var(&a, &name), var(&b, &name), var(&other, &name));
        assert_eq!(va.dims(), shape.as_slice(), "{name}");
        assert_eq!(max_abs_diff(va.as_tensor(), vb.as_tensor()), 0.0, "{name}");
        assert!(max_abs_diff(va.as_tensor(), vo.as_tensor()) > 0.0, "{name}");
    }
    assert_eq!(a.all_vars().len(), c.parameters().len());
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let c = cfg(1);
    let model = model_from(&init_varmap(&c, 15).unwrap(), &c);
    let (tokens, targets, mask) = batch(13);
    let too_big = Tensor::new(&[[1u32, 13]], &Device::Cpu).unwrap();
    assert!(model.hidden(&too_big).is_err());
    let bad_targets = (targets.clone() + 13.0).unwrap();
    assert!(model.loss(&tokens, &bad_targets, &mask).is_err());
    let half = (mask.clone() * 0.5).unwrap();
    assert!(model.loss(&tokens, &targets, &half).is_err());
    let nothing = mask.zeros_like().unwrap();
    assert!(model.loss(&tokens, &targets, &nothing).is_err());
    assert!(model.prefill(&[], 2).is_err());
    assert!(model.prefill(&[13], 2).is_err());
    let mut state = model.prefill(&[1], 2).unwrap();
    assert!(model.step(&mut state, &[1]).is_err());
    assert!(model.step(&mut state, &[1, 99]).is_err());
    let bad_cfg = ModelConfig { pad_id: 13, ..c };
    assert!(bad_cfg.validate().is_err());
}

#[test]
fn config_round_trips_through_json_and_refuses_unknown_keys() {
    let c = cfg(2);
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), c);
    let extra = json.replace('}', r#","dropout":0.1}"#);
    assert!(serde_json::from_str::<ModelConfig>(&extra).is_err());
}

#[test]
fn context_weights_average_the_history_up_to_the_prompt_end() {
    // Rows: opener at 1, prompt ends at 4; no opener; opener last.
    let ids = [
        5, 12, 7, 8, 9, 3, /**/ 5, 6, 7, 8, 9, 3, /**/ 5, 6, 7, 8, 9, 12,
    ];
    let w = crate::model::lm::context_weights(&ids, 6, 12, &[4, 4, 5]);
    let third = 1.0 / 3.0;
    assert_eq!(&w[..6], &[0.0, 0.0, third, third, third, 0.0]);
    assert_eq!(&w[6..], &[0.0; 12]);
}

/// [`plain_loss`] for a model with a history context, built from scratch:
/// the context is averaged by hand from the embeddings of the tokens after
/// the opener up to the first masked position.
fn plain_context_loss(
    vm: &VarMap,
    c: &ModelConfig,
    tokens: &Tensor,
    targets: &Tensor,
    mask: &Tensor,
) -> Tensor {
    let (batch, seq) = tokens.dims2().unwrap();
    let ids = tokens.to_vec2::<u32>().unwrap();
    let m = mask.to_vec2::<f32>().unwrap();
    let embed = var(vm, "embed.weight");
    let x = embed
        .as_tensor()
        .index_select(&tokens.flatten_all().unwrap(), 0)
        .unwrap()
        .reshape((batch, seq, c.embed_dim))
        .unwrap();
    let mut contexts = Vec::new();
    for b in 0..batch {
        let end = m[b].iter().position(|&v| v == 1.0).unwrap_or(seq - 1);
        let start = ids[b]
            .iter()
            .position(|&t| t == CONTEXT_OPEN)
            .map(|p| p + 1);
        let row = x.get(b).unwrap();
        let context = match start {
            Some(start) if start <= end => row
                .narrow(0, start, end + 1 - start)
                .unwrap()
                .mean(0)
                .unwrap(),
            _ => Tensor::zeros(c.embed_dim, DType::F32, &Device::Cpu).unwrap(),
        };
        contexts.push(context);
    }
    let context = Tensor::stack(&contexts, 0)
        .unwrap()
        .unsqueeze(1)
        .unwrap()
        .broadcast_as((batch, seq, c.embed_dim))
        .unwrap();
    let input = Tensor::cat(&[&x, &context], 2).unwrap();
    let hs = gru_from(vm, c).forward_reference(&input).unwrap();
    let features = Tensor::cat(&[&hs, &context], 2).unwrap();
    masked_mean_nll(vm, &features, targets, mask)
}

/// [`batch`] with rows that open a history context: at the start, in the
/// middle, and not at all.
fn context_batch() -> (Tensor, Tensor, Tensor) {
    let tokens = Tensor::new(
        &[
            [12u32, 4, 5, 6, 7, 8],
            [3, 12, 9, 2, 1, 1],
            [1, 2, 3, 4, 5, 6],
        ],
        &Device::Cpu,
    )
    .unwrap();
    let (_, targets, mask) = batch(13);
    (tokens, targets, mask)
}

#[test]
fn history_context_loss_and_gradients_equal_plain_ops() {
    let c = context_cfg(2);
    let vm = init_varmap(&c, 31).unwrap();
    let model = model_from(&vm, &c);
    let (tokens, targets, mask) = context_batch();
    let fused = model.loss(&tokens, &targets, &mask).unwrap();
    let plain = plain_context_loss(&vm, &c, &tokens, &targets, &mask);
    assert_same_loss_and_gradients(&vm, &c, &fused, &plain);
    assert_manual_gradients_match_autograd(&model, &vm, &c, (&tokens, &targets, &mask));
}

/// Scoring goes through the raw forward on the CPU; each row's sum of it
/// equals the graph's sequence log-probability, context and two layers
/// included, and bad ids are still errors.
#[test]
fn raw_scoring_equals_the_graph_with_a_context_and_two_layers() {
    let c = context_cfg(2);
    let vm = init_varmap(&c, 33).unwrap();
    let model = model_from(&vm, &c);
    let (tokens, targets, mask) = context_batch();
    let rows = model.target_logprobs(&tokens, &targets, &mask).unwrap();
    let sums: Vec<f32> = rows.iter().map(|r| r.iter().sum()).collect();
    let want = model
        .sequence_logprobs(&tokens, &targets, &mask)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    assert_eq!(sums.len(), want.len());
    for (got, want) in sums.iter().zip(&want) {
        assert!((got - want).abs() < 1e-5, "raw {sums:?}, graph {want:?}");
    }
    let bad_tokens = (tokens.clone() + 13.0).unwrap();
    assert!(model.target_logprobs(&bad_tokens, &targets, &mask).is_err());
    let bad_targets = (targets + 13.0).unwrap();
    assert!(model.target_logprobs(&tokens, &bad_targets, &mask).is_err());
}

#[test]
fn history_context_never_sees_the_target() {
    let c = context_cfg(1);
    let vm = init_varmap(&c, 32).unwrap();
    let model = model_from(&vm, &c);
    let mask = Tensor::new(&[[0f32, 0., 0., 1., 1., 1.]], &Device::Cpu).unwrap();
    let targets = Tensor::new(&[[1u32, 2, 3, 4, 5, 6]], &Device::Cpu).unwrap();
    let logprobs = |tokens: [u32; 6]| {
        let tokens = Tensor::new(&[tokens], &Device::Cpu).unwrap();
        model.target_logprobs(&tokens, &targets, &mask).unwrap()[0].clone()
    };
    // The prompt is [12, 7, 8, 9]; the rest is the target being scored.
    let a = logprobs([12, 7, 8, 9, 4, 5]);
    let b = logprobs([12, 7, 8, 9, 10, 11]);
    assert_eq!(
        a[0], b[0],
        "a later target token changed an earlier prediction"
    );
    // The history does change every prediction, the last included.
    let other = logprobs([12, 2, 3, 9, 4, 5]);
    assert!(
        a.iter().zip(&other).all(|(x, y)| x != y),
        "{a:?} vs {other:?}"
    );
}

#[test]
fn prefill_and_step_reproduce_training_logprobs_with_context() {
    let c = context_cfg(2);
    let vm = init_varmap(&c, 33).unwrap();
    let model = model_from(&vm, &c);
    let seq: Vec<u32> = vec![3, 12, 4, 1, 5, 9, 2, 6];
    let prompt = 4;
    let len = seq.len();
    let tokens = Tensor::new(&seq[..len - 1], &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let targets = Tensor::new(&seq[1..], &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let mask: Vec<f32> = (0..len - 1)
        .map(|t| if t + 1 >= prompt { 1.0 } else { 0.0 })
        .collect();
    let mask = Tensor::new(mask.as_slice(), &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let want = model.target_logprobs(&tokens, &targets, &mask).unwrap()[0].clone();
    assert_eq!(want.len(), len - prompt);

    let log_prob = |logits: &[f32], target: u32| {
        let max = logits.iter().copied().fold(f32::MIN, f32::max);
        let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
        logits[target as usize] - max - sum.ln()
    };
    let mut state = model.prefill(&seq[..prompt], 2).unwrap();
    for (k, &target) in seq[prompt..].iter().enumerate() {
        for candidate in state.logits().chunks_exact(c.vocab_size) {
            let got = log_prob(candidate, target);
            assert!(
                (got - want[k]).abs() < 1e-5,
                "target {k}: {got} vs {}",
                want[k]
            );
        }
        model.step(&mut state, &[target; 2]).unwrap();
    }
}

#[test]
fn a_wide_model_split_over_threads_equals_plain_ops() {
    // Wide enough that the fused GRU runs a block of rows per thread and the
    // output bias gradient is summed in several column blocks (the last one
    // partial), on two threads whatever the machine has.
    let c = ModelConfig {
        vocab_size: 1100,
        embed_dim: 8,
        hidden_dim: 256,
        ..context_cfg(2)
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        let vm = init_varmap(&c, 33).unwrap();
        let model = model_from(&vm, &c);
        let tokens = Tensor::new(
            &[
                [12u32, 4, 5, 1099, 7, 8],
                [3, 12, 900, 2, 1, 1],
                [1, 2, 3, 4, 5, 6],
            ],
            &Device::Cpu,
        )
        .unwrap();
        let (_, targets, mask) = batch(13);
        let targets = (targets + 1000.0).unwrap();
        let fused = model.loss(&tokens, &targets, &mask).unwrap();
        let plain = plain_context_loss(&vm, &c, &tokens, &targets, &mask);
        assert_same_loss_and_gradients(&vm, &c, &fused, &plain);
        assert_manual_gradients_match_autograd(&model, &vm, &c, (&tokens, &targets, &mask));
    });
}
