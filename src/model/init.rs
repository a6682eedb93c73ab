//! Deterministic initial weights from a seed.
//!
//! candle's own CPU random generator cannot be seeded reliably, so the values
//! come from a ChaCha8 stream drawn in the fixed order of
//! [`ModelConfig::parameters`]: the same seed gives the same model on every
//! machine.

use candle_core::{Device, Result, Tensor, Var};
use candle_nn::VarMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::ModelConfig;

/// A `VarMap` holding every parameter, initialised like PyTorch's defaults:
/// embedding `N(0, 1)`, GRU weights and biases `U(−1/√H, 1/√H)`, output
/// weight and bias `U(−1/√H, 1/√H)` (`nn.Linear`'s Kaiming-uniform bound).
/// `VarBuilder::from_varmap` then finds every variable already there.
pub fn init_varmap(cfg: &ModelConfig, seed: u64) -> Result<VarMap> {
    cfg.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bound = 1.0 / (cfg.hidden_dim as f32).sqrt();
    let varmap = VarMap::new();
    let mut data = varmap
        .data()
        .lock()
        .map_err(|_| candle_core::Error::Msg("model varmap lock is poisoned".into()))?;
    for (name, shape) in cfg.parameters() {
        let len = shape.iter().product();
        let values: Vec<f32> = if name == "embed.weight" {
            (0..len).map(|_| standard_normal(&mut rng)).collect()
        } else {
            (0..len).map(|_| rng.random_range(-bound..bound)).collect()
        };
        let tensor = Tensor::from_vec(values, shape, &Device::Cpu)?;
        data.insert(name, Var::from_tensor(&tensor)?);
    }
    drop(data);
    Ok(varmap)
}

/// One `N(0, 1)` draw by the Box–Muller transform (no `rand_distr` needed).
fn standard_normal(rng: &mut ChaCha8Rng) -> f32 {
    // 1 − U lies in (0, 1], so the logarithm is finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}
