#!/usr/bin/env python3
"""PyTorch reference for `tailor bench`: the article's sketch (Embedding ->
GRU -> Linear, Adam, cross-entropy) at the seed configuration, on the same
number of CPU threads, plus sampled generation of 8 candidates x 48 tokens at
tailor's default size. Prints one JSON object.

    python3 benches/torch_gru.py [--threads N] [--steps N]
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn


class Sketch(nn.Module):
    def __init__(self, vocab, embed, hidden, layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x, h=None):
        y, h = self.gru(self.embed(x), h)
        return self.out(y), h


def train_speed(vocab, embed, hidden, batch, seq, steps):
    torch.manual_seed(1)
    model = Sketch(vocab, embed, hidden)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    data = torch.randint(1, vocab, (batch, seq + 1))
    x, y = data[:, :-1], data[:, 1:]

    def step():
        opt.zero_grad(set_to_none=True)
        logits, _ = model(x)
        loss = loss_fn(logits.reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()

    step()
    t = time.perf_counter()
    for _ in range(steps):
        last = step()
    secs = time.perf_counter() - t
    tps = batch * seq * steps / secs
    flops = 6 * (3 * hidden * embed + 3 * hidden * hidden + hidden * vocab)
    return {
        "vocab": vocab, "embed": embed, "hidden": hidden, "batch": batch, "seq": seq,
        "steps": steps, "tokens_per_s": tps, "step_ms": secs * 1e3 / steps,
        "effective_gflops": tps * flops / 1e9, "final_loss": last,
    }


def matmul_gflops(n=1024, rounds=5):
    a, b = torch.rand(n, n), torch.rand(n, n)
    best = float("inf")
    for _ in range(rounds + 1):
        t = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


@torch.no_grad()
def generation_speed(vocab, embed, hidden, n, length, rounds, top_p=0.95, temperature=0.9, greedy=False):
    torch.manual_seed(3)
    model = Sketch(vocab, embed, hidden).eval()
    prompt = torch.randint(1, vocab, (1, 32))
    times = []
    for _ in range(rounds + 1):
        t = time.perf_counter()
        logits, h = model(prompt)
        h = h.repeat(1, n, 1)
        last = logits[:, -1, :].repeat(n, 1)
        for _ in range(length):
            if greedy:
                tok = last.argmax(dim=-1, keepdim=True)
                out, h = model(tok, h)
                last = out[:, -1, :]
                continue
            probs = torch.softmax(last / temperature, dim=-1)
            sorted_p, idx = torch.sort(probs, descending=True)
            keep = torch.cumsum(sorted_p, dim=-1) - sorted_p < top_p
            sorted_p = sorted_p * keep
            choice = torch.multinomial(sorted_p, 1)
            tok = idx.gather(1, choice)
            out, h = model(tok, h)
            last = out[:, -1, :]
        times.append(time.perf_counter() - t)
    times = sorted(times[1:])
    median = times[len(times) // 2]
    return {
        "vocab": vocab, "embed": embed, "hidden": hidden, "candidates": n, "tokens": length,
        "rounds": rounds, "greedy": greedy, "latency_ms": median * 1e3,
        "tokens_per_s": n * length / median,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--vocab", type=int, default=2048, help="default-size vocabulary")
    ap.add_argument("--embed", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    train = train_speed(10_000, 300, 512, 32, 64, args.steps)
    # Peak memory is that of training, the figure the issue compares.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gen = generation_speed(args.vocab, args.embed, args.hidden, 8, 48, 9)
    seed_sampled = generation_speed(10_000, 300, 512, 8, 48, 5)
    seed_greedy = generation_speed(10_000, 300, 512, 8, 48, 5, greedy=True)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "matmul_peak_gflops": matmul_gflops(),
        "train_seed_config": train, "generate_default": gen,
        "generate_seed_config_sampled": seed_sampled,
        "generate_seed_config_greedy": seed_greedy, "peak_rss_mb": peak_mb,
    }))


if __name__ == "__main__":
    main()
