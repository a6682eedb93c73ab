//! Model versions on disk: `models/<version>/` holding `config.json`,
//! `model.safetensors`, `tokenizer.json` and `metrics.json`.
//!
//! A version is written into a temporary folder beside its final place,
//! every file is fsynced, the folder is renamed into place and the parent
//! folder fsynced; only then may the caller record it in the store. An
//! existing version is never overwritten (a process may have it mapped).
//! Loading verifies the weights' SHA-256 and that every value is finite.

use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prefix of temporary version folders, swept at start-up.
pub const TMP_PREFIX: &str = ".tmp-";

/// A version that cannot be written or used, in words.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A file could not be written or read.
    #[error("model version {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The files are there but wrong.
    #[error("model version {path}: {message}")]
    Corrupt {
        /// The folder.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// What a version folder holds, read back and verified.
#[derive(Debug)]
pub struct VersionFiles {
    /// `config.json`: model sizes, prompt settings, weights hash.
    pub config: serde_json::Value,
    /// The weights by name.
    pub tensors: HashMap<String, Tensor>,
    /// `tokenizer.json`.
    pub tokenizer_json: String,
    /// `metrics.json`.
    pub metrics: serde_json::Value,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    let mut f = std::fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

fn sync_dir(dir: &Path) -> Result<(), CheckpointError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes a complete version folder `models_dir/version` atomically and
/// returns its path. Fails if the version exists. Refuses non-finite
/// weights, so a diverged run never becomes a version.
pub fn save_version(
    models_dir: &Path,
    version: &str,
    tensors: &HashMap<String, Tensor>,
    tokenizer_json: &str,
    config: &serde_json::Value,
    metrics: &serde_json::Value,
) -> Result<PathBuf, CheckpointError> {
    let dest = models_dir.join(version);
    if dest.exists() {
        return Err(CheckpointError::Corrupt {
            path: dest.display().to_string(),
            message: "already exists; versions are never overwritten".into(),
        });
    }
    check_finite(tensors, &dest)?;
    std::fs::create_dir_all(models_dir).map_err(io(models_dir))?;
    let tmp = models_dir.join(format!("{TMP_PREFIX}{version}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(io(&tmp))?;
    let result = (|| {
        let weights = tmp.join("model.safetensors");
        candle_core::safetensors::save(tensors, &weights).map_err(|e| {
            CheckpointError::Corrupt {
                path: weights.display().to_string(),
                message: e.to_string(),
            }
        })?;
        let bytes = std::fs::read(&weights).map_err(io(&weights))?;
        std::fs::File::open(&weights)
            .and_then(|f| f.sync_all())
            .map_err(io(&weights))?;
        let mut config = config.clone();
        if let Some(obj) = config.as_object_mut() {
            obj.insert("weights_sha256".into(), sha256_hex(&bytes).into());
        }
        let pretty = |v: &serde_json::Value| serde_json::to_vec_pretty(v).unwrap_or_default();
        write_synced(&tmp.join("config.json"), &pretty(&config))?;
        write_synced(&tmp.join("tokenizer.json"), tokenizer_json.as_bytes())?;
        write_synced(&tmp.join("metrics.json"), &pretty(metrics))?;
        sync_dir(&tmp)?;
        std::fs::rename(&tmp, &dest).map_err(io(&dest))?;
        sync_dir(models_dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result.map(|()| dest)
}

fn check_finite(tensors: &HashMap<String, Tensor>, dir: &Path) -> Result<(), CheckpointError> {
    for (name, t) in tensors {
        let finite = t
            .flatten_all()
            .and_then(|t| t.to_dtype(candle_core::DType::F32))
            .and_then(|t| t.to_vec1::<f32>())
            .map(|v| v.iter().all(|x| x.is_finite()))
            .unwrap_or(false);
        if !finite {
            return Err(CheckpointError::Corrupt {
                path: dir.display().to_string(),
                message: format!("tensor {name} holds NaN or infinite values"),
            });
        }
    }
    Ok(())
}

/// Reads and verifies a version folder: every file present and parseable,
/// the weights' hash as recorded, every value finite.
pub fn load_version(dir: &Path) -> Result<VersionFiles, CheckpointError> {
    let corrupt = |message: String| CheckpointError::Corrupt {
        path: dir.display().to_string(),
        message,
    };
    let read = |name: &str| {
        let p = dir.join(name);
        std::fs::read(&p)
            .map_err(io(&p))
            .map_err(|e| corrupt(format!("{name}: {e}")))
    };
    let json = |name: &str| -> Result<serde_json::Value, CheckpointError> {
        serde_json::from_slice(&read(name)?).map_err(|e| corrupt(format!("{name}: {e}")))
    };
    let config = json("config.json")?;
    let metrics = json("metrics.json")?;
    let tokenizer_json = String::from_utf8(read("tokenizer.json")?)
        .map_err(|_| corrupt("tokenizer.json is not UTF-8".into()))?;
    let weights = read("model.safetensors")?;
    let expected = config.get("weights_sha256").and_then(|v| v.as_str());
    let actual = sha256_hex(&weights);
    if expected != Some(actual.as_str()) {
        return Err(corrupt(format!(
            "model.safetensors does not match its recorded hash (expected {}, found {actual})",
            expected.unwrap_or("none")
        )));
    }
    let tensors = candle_core::safetensors::load_buffer(&weights, &Device::Cpu)
        .map_err(|e| corrupt(format!("model.safetensors: {e}")))?;
    check_finite(&tensors, dir)?;
    Ok(VersionFiles {
        config,
        tensors,
        tokenizer_json,
        metrics,
    })
}

/// Removes temporary folders left by killed writers; returns how many.
pub fn sweep_temporary(models_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(models_dir) else {
        return 0;
    };
    let mut swept = 0;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX)
            && std::fs::remove_dir_all(entry.path()).is_ok()
        {
            swept += 1;
        }
    }
    swept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensors(x: f32) -> HashMap<String, Tensor> {
        let t = Tensor::new(&[[x, 2.0], [3.0, 4.0]], &Device::Cpu).unwrap();
        HashMap::from([("w".to_string(), t)])
    }

    fn save(dir: &Path, v: &str, x: f32) -> Result<PathBuf, CheckpointError> {
        save_version(
            dir,
            v,
            &tensors(x),
            "{}",
            &serde_json::json!({"kind": "test"}),
            &serde_json::json!({"val_ppl": 2.0}),
        )
    }

    #[test]
    fn a_saved_version_loads_back_verified() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "v1", 1.0).unwrap();
        let files = load_version(&path).unwrap();
        assert_eq!(files.metrics["val_ppl"], 2.0);
        assert_eq!(
            files.tensors["w"].to_vec2::<f32>().unwrap(),
            [[1.0, 2.0], [3.0, 4.0]]
        );
        // Nothing temporary is left behind, and versions are never overwritten.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["v1"]);
        assert!(save(dir.path(), "v1", 1.0).is_err());
    }

    #[test]
    fn nan_weights_never_become_a_version() {
        let dir = tempfile::tempdir().unwrap();
        let err = save(dir.path(), "v1", f32::NAN).unwrap_err();
        assert!(err.to_string().contains("NaN"), "{err}");
        assert!(!dir.path().join("v1").exists());
        assert_eq!(
            std::fs::read_dir(dir.path())
                .map(|d| d.count())
                .unwrap_or(0),
            0
        );
    }

    #[test]
    fn truncated_flipped_or_missing_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "v1", 1.0).unwrap();
        let weights = path.join("model.safetensors");
        let good = std::fs::read(&weights).unwrap();
        // Truncated.
        std::fs::write(&weights, &good[..good.len() / 2]).unwrap();
        assert!(load_version(&path).is_err());
        // One byte flipped in the data.
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        std::fs::write(&weights, &flipped).unwrap();
        let err = load_version(&path).unwrap_err().to_string();
        assert!(err.contains("hash"), "{err}");
        // Missing.
        std::fs::remove_file(&weights).unwrap();
        assert!(load_version(&path).is_err());
    }

    #[test]
    fn stale_temporary_folders_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".tmp-v3-999")).unwrap();
        save(dir.path(), "v1", 1.0).unwrap();
        assert_eq!(sweep_temporary(dir.path()), 1);
        assert!(dir.path().join("v1").exists());
    }
}
