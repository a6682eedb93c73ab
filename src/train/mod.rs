//! Pre-training, evaluation and their data: synchronous code with a progress
//! callback and a cancel flag, so the console's jobs layer can drive it.

pub mod bench;
pub mod candidates;
pub mod compare;
pub mod data;
pub mod eval;
pub mod finetune;
pub mod finetuned_version;
pub mod gate;
pub mod kto;
pub mod lock;
pub mod metrics;
pub mod new_version;
pub mod pretrain;
pub mod simulate;
pub mod versions;
