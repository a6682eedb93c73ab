"""Writes fixtures/model/torch_gru.safetensors: a tiny PyTorch reference for
the Rust language model (src/model/tests.rs, `matches_pytorch_fixture`).

nn.Embedding -> nn.GRU(batch_first=True, 2 layers) -> nn.Linear with a fixed
seed. The file holds the state_dict under the Rust model's names
(embed.weight, gru.weight_ih_l0, ..., out.weight, out.bias), the inputs
(input.tokens, input.targets, input.mask) and PyTorch's outputs
(expected.hidden [B,T,H], expected.h_n [L,B,H], expected.logits [B,T,V],
expected.loss: masked mean cross-entropy in nats).

Run: /work/torchenv/bin/python scripts/torch_gru_fixture.py
(needs torch and safetensors; CPU only).
"""

import pathlib

import torch
from safetensors.torch import save_file

VOCAB, EMBED, HIDDEN, LAYERS = 11, 4, 6, 2
BATCH, SEQ = 3, 5


class Lm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, EMBED)
        self.gru = torch.nn.GRU(EMBED, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.out = torch.nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens):
        hidden, h_n = self.gru(self.embed(tokens))
        return hidden, h_n, self.out(hidden)


def main():
    torch.set_num_threads(2)
    torch.manual_seed(20240611)
    model = Lm().eval()
    tokens = torch.randint(0, VOCAB, (BATCH, SEQ))
    targets = torch.randint(0, VOCAB, (BATCH, SEQ))
    # Ragged: prompt positions and right padding are masked out.
    mask = torch.tensor(
        [[0, 1, 1, 1, 1], [0, 0, 1, 1, 0], [1, 1, 1, 1, 1]], dtype=torch.float32
    )
    with torch.no_grad():
        hidden, h_n, logits = model(tokens)
        per_position = torch.nn.functional.cross_entropy(
            logits.reshape(-1, VOCAB), targets.reshape(-1), reduction="none"
        )
        loss = (per_position * mask.reshape(-1)).sum() / mask.sum()

    tensors = {name: t.detach().clone().contiguous() for name, t in model.state_dict().items()}
    tensors.update(
        {
            "input.tokens": tokens.to(torch.int64),
            "input.targets": targets.to(torch.int64),
            "input.mask": mask,
            "expected.hidden": hidden.contiguous(),
            "expected.h_n": h_n.contiguous(),
            "expected.logits": logits.contiguous(),
            "expected.loss": loss.reshape(1),
        }
    )
    out = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "model" / "torch_gru.safetensors"
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out))
    print(f"wrote {out} ({out.stat().st_size} bytes), loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
