#!/usr/bin/env bash
# Runs `tailor bench` and the PyTorch reference side by side, alternating,
# and prints the ratios (tailor / PyTorch). Needs torch in $PYTHON
# (default python3): python3 -m venv v && v/bin/pip install torch.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
ROUNDS=${ROUNDS:-2}
cargo build --release -q
out=$(mktemp -d)
for r in $(seq "$ROUNDS"); do
  /usr/bin/time -f '%M' -o "$out/rust-mem-$r" target/release/tailor bench --json > "$out/rust-$r.json"
  "$PYTHON" benches/torch_gru.py --threads "$(nproc)" > "$out/torch-$r.json"
done
"$PYTHON" - "$out" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rust = [json.load(open(f"{out}/rust-{r}.json")) for r in range(1, rounds + 1)]
torch = [json.load(open(f"{out}/torch-{r}.json")) for r in range(1, rounds + 1)]
mem = [int(open(f"{out}/rust-mem-{r}").read().split()[-1]) / 1024 for r in range(1, rounds + 1)]
med = lambda xs: statistics.median(xs)
rt = med([x["train_seed_config"]["tokens_per_s"] for x in rust])
tt = med([x["train_seed_config"]["tokens_per_s"] for x in torch])
def ratio(key, field="tokens_per_s"):
    a = med([x[key][field] for x in rust])
    b = med([x[key][field] for x in torch])
    return {"tailor": a, "torch": b, "ratio": a / b}
print(json.dumps({
    "matmul_peak_gflops": {
        "tailor": med([x["matmul_peak_gflops"] for x in rust]),
        "torch": med([x["matmul_peak_gflops"] for x in torch]),
    },
    "train_tokens_per_s": {"tailor": rt, "torch": tt, "ratio": rt / tt},
    # Each round's pair was measured within the same minute: the spread
    # shows how much the machine moved.
    "train_ratio_per_round": [
        r["train_seed_config"]["tokens_per_s"] / t["train_seed_config"]["tokens_per_s"]
        for r, t in zip(rust, torch)
    ],
    "train_default_tokens_per_s": med([x["train_default"]["tokens_per_s"] for x in rust]),
    "train_effective_gflops": med([x["train_seed_config"]["effective_gflops"] for x in rust]),
    "train_share_of_peak": med([x["train_seed_config"]["effective_gflops"] / x["matmul_peak_gflops"] for x in rust]),
    "generate_seed_sampled_tokens_per_s": ratio("generate_seed_config_sampled"),
    "generate_seed_greedy_tokens_per_s": ratio("generate_seed_config_greedy"),
    "generate_default_tokens_per_s": ratio("generate_default"),
    "generate_default_latency_ms": {
        "tailor": med([x["generate_default"]["latency_ms"] for x in rust]),
        "torch": med([x["generate_default"]["latency_ms"] for x in torch]),
    },
    "peak_rss_mb": {"tailor": med(mem), "torch": med([x["peak_rss_mb"] for x in torch]),
                    "ratio": med(mem) / med([x["peak_rss_mb"] for x in torch])},
}, indent=1))
PY
