#!/usr/bin/python3
"""PyTorch half of bench/mae-step.sh: times full SARMAE pretraining steps in plain PyTorch.

The same model, loss and optimiser as the Java trainer (docs/trainer-contract.md, reference
SARMAE-REFERENCE.md sections 1-3 and 5.1-5.3), written without timm: pre-norm ViT blocks with a
fused qkv Linear, exact GELU, LayerNorm eps 1e-6, fixed 2-D sin-cos position embeddings, random
masking by argsort of uniform noise, the 8-block decoder and the masked-patch MSE. With SARC on, a
frozen conv16 + LayerNorm optical stem, the Linear-ReLU-Linear-LayerNorm head and the cosine
alignment of visible tokens of the paired rows; total = mae + 0.8 * align. AdamW(0.9, 0.95,
wd 0.05) with the trainer's no-decay groups, clip_grad_norm_(1.0), fp32.

Prints one JSON line, the same fields as `sarmae-trainer bench-step` with "impl": "pytorch".
Run it with Debian's /usr/bin/python3 (python3-torch 1.13).
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = {  # encoder width, depth, heads (MAE/timm factories)
    "tiny": (192, 12, 3),
    "small": (384, 12, 6),
    "base": (768, 12, 12),
    "large": (1024, 24, 16),
}


def sincos_2d(width, grid):
    """(1 + g*g, width) table: cls row zeros, then column encoding first, row encoding second."""
    q = width // 4
    omega = 1.0 / 10000 ** (torch.arange(q, dtype=torch.float64) / q)
    rows = torch.arange(grid, dtype=torch.float64).repeat_interleave(grid)
    cols = torch.arange(grid, dtype=torch.float64).repeat(grid)

    def enc(t):
        a = t[:, None] * omega[None, :]
        return torch.cat([a.sin(), a.cos()], dim=1)

    table = torch.cat([enc(cols), enc(rows)], dim=1).float()
    return torch.cat([torch.zeros(1, width), table], dim=0)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, h, N, hd)
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)  # (B, h, N, N)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))  # (B, N, C)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact erf form
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """timm 0.6.13 Block, pre-norm, no drop-path or layer-scale."""

    def __init__(self, dim, heads, mlp_ratio=4):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, mlp_ratio * dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MaskedAutoencoderViT(nn.Module):
    def __init__(self, size, img=224, patch=16, dec_dim=512, dec_depth=8, dec_heads=16):
        super().__init__()
        dim, depth, heads = SIZES[size]
        self.patch = patch
        grid = img // patch
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.register_buffer("pos_embed", sincos_2d(dim, grid).unsqueeze(0))  # frozen
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.decoder_embed = nn.Linear(dim, dec_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dec_dim))
        self.register_buffer("decoder_pos_embed", sincos_2d(dec_dim, grid).unsqueeze(0))
        self.decoder_blocks = nn.ModuleList([Block(dec_dim, dec_heads) for _ in range(dec_depth)])
        self.decoder_norm = nn.LayerNorm(dec_dim, eps=1e-6)
        self.decoder_pred = nn.Linear(dec_dim, patch * patch * 3)
        self._init()

    def _init(self):
        w = self.patch_embed.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def patchify(self, imgs):
        b, c, h, w = imgs.shape
        p, g = self.patch, h // self.patch
        x = imgs.reshape(b, c, g, p, g, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(b, g * g, p * p * c)

    @staticmethod
    def random_masking(x, noise, mask_ratio):
        b, n, d = x.shape
        keep = int(n * (1 - mask_ratio))
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :keep]
        visible = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, d))
        mask = torch.ones(b, n)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return visible, mask, ids_restore, ids_shuffle

    def forward_encoder(self, imgs, noise, mask_ratio):
        x = self.patch_embed(imgs).flatten(2).transpose(1, 2)  # (B, L, D)
        x = x + self.pos_embed[:, 1:, :]
        x, mask, ids_restore, ids_shuffle = self.random_masking(x, noise, mask_ratio)
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)  # (B, 1+K, D)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x), mask, ids_restore, ids_shuffle

    def forward_decoder(self, latent, ids_restore):
        x = self.decoder_embed(latent)  # (B, 1+K, Dd)
        b, n1, dd = x.shape
        tokens = self.mask_token.expand(b, ids_restore.shape[1] + 1 - n1, -1)
        x_ = torch.cat([x[:, 1:, :], tokens], dim=1)
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).expand(-1, -1, dd))
        x = torch.cat([x[:, :1, :], x_], dim=1) + self.decoder_pos_embed  # (B, 1+L, Dd)
        for blk in self.decoder_blocks:
            x = blk(x)
        return self.decoder_pred(self.decoder_norm(x))[:, 1:, :]  # (B, L, p*p*3)

    def forward_loss(self, target, pred, mask):
        per_patch = ((pred - self.patchify(target)) ** 2).mean(dim=-1)  # (B, L)
        return (per_patch * mask).sum() / mask.sum()


class Sarmae(nn.Module):
    """SAR MAE + frozen optical stem (SimplifiedDINOv3) + trainable alignment head."""

    def __init__(self, size, img, patch, alignment, optical_dim=768):
        super().__init__()
        self.sar_encoder = MaskedAutoencoderViT(size, img, patch)
        self.alignment = alignment
        if alignment:
            dim = SIZES[size][0]
            self.optical_conv = nn.Conv2d(3, optical_dim, patch, patch)
            self.optical_norm = nn.LayerNorm(optical_dim, eps=1e-5)
            for p in list(self.optical_conv.parameters()) + list(self.optical_norm.parameters()):
                p.requires_grad_(False)
            self.sar_alignment_ffn = nn.Sequential(
                nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, optical_dim),
                nn.LayerNorm(optical_dim, eps=1e-5))
            for m in self.sar_alignment_ffn:
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, std=0.01)
                    nn.init.zeros_(m.bias)

    def forward(self, sar, target, optical, paired, noise, mask_ratio=0.75):
        mae = self.sar_encoder
        latent, mask, ids_restore, ids_shuffle = mae.forward_encoder(sar, noise, mask_ratio)
        pred = mae.forward_decoder(latent, ids_restore)
        mae_loss = mae.forward_loss(target, pred, mask)
        if not self.alignment:
            return mae_loss, torch.zeros(())
        idx = torch.nonzero(paired > 0.5).flatten()
        if idx.numel() == 0:
            return mae_loss, torch.zeros(())
        visible = latent[idx, 1:, :]  # (P, K, D)
        k = visible.shape[1]
        with torch.no_grad():
            o = self.optical_conv(optical[idx]).flatten(2).transpose(1, 2)  # (P, L, E)
            o = self.optical_norm(o)
            o = torch.gather(o, 1, ids_shuffle[idx, :k].unsqueeze(-1).expand(-1, -1, o.shape[2]))
        s = F.normalize(self.sar_alignment_ffn(visible), dim=-1, eps=1e-6)
        o = F.normalize(o, dim=-1, eps=1e-6)
        align = (1 - (s * o).sum(dim=-1)).mean()
        return mae_loss, align


def param_groups(model, wd):
    """The trainer's groups: no decay for 1-D tensors, biases, norms and the cls/mask tokens."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        token = name.endswith("cls_token") or name.endswith("mask_token")
        if p.ndim <= 1 or name.endswith(".bias") or "norm" in name or token:
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def percentile(values, pct):
    """Linear interpolation between ranks (numpy's default), as StepBenchmark.percentile."""
    s = sorted(values)
    pos = pct / 100.0 * (len(s) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="tiny", choices=sorted(SIZES))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--image", type=int, default=224)
    ap.add_argument("--patch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--alignment", default="true", choices=["true", "false"])
    ap.add_argument("--rss-every", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--phases", action="store_true")
    ap.add_argument("--profile", metavar="FILE")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    alignment = a.alignment == "true"
    model = Sarmae(a.size, a.image, a.patch, alignment).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(param_groups(model, 0.05), lr=1e-4, betas=(0.9, 0.95))

    b, s = a.batch, a.image
    gen = torch.Generator().manual_seed(a.seed)
    sar = torch.rand(b, 3, s, s, generator=gen) * 2 - 1
    target = torch.rand(b, 3, s, s, generator=gen) * 2 - 1
    optical = torch.rand(b, 3, s, s, generator=gen) * 4 - 2
    paired = torch.tensor([1.0 if i % 2 == 0 else 0.0 for i in range(b)])
    optical[paired == 0] = 0
    patches = (s // a.patch) ** 2
    w_align = 0.8 if alignment else 0.0

    def step(times=None):
        noise = torch.rand(b, patches, generator=gen)  # fresh masking noise every step
        c0 = time.process_time()
        t0 = time.perf_counter()
        opt.zero_grad()  # keeps zero tensors, as PyTorch 1.12/1.13 and the reference
        mae, align = model(sar, target, optical, paired, noise)
        total = mae + w_align * align
        total.backward()
        t1 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        c3 = time.process_time()  # CPU time of all threads: the work, not the neighbours
        if times is not None:
            times.append(((t3 - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3,
                          (c3 - c0) * 1e3))

    for i in range(a.warmup):
        step()
        if a.rss_every and (i + 1) % a.rss_every == 0:
            print(json.dumps({"step": i + 1, "rss_mb": round(rss_mb(), 1)}), file=sys.stderr)
    rss_start = rss_mb()
    times = []
    for i in range(a.warmup, a.warmup + a.steps):
        step(times)
        if a.rss_every and (i + 1) % a.rss_every == 0:
            print(json.dumps({"step": i + 1, "rss_mb": round(rss_mb(), 1)}), file=sys.stderr)
    rss_end = rss_mb()

    out = {
        "impl": "pytorch", "size": a.size, "batch": b, "image": s, "alignment": alignment,
        "threads": a.threads, "steps": a.steps,
        "ms_per_step_median": round(percentile([t[0] for t in times], 50), 2),
        "ms_per_step_mean": round(sum(t[0] for t in times) / len(times), 2),
        "ms_per_step_p90": round(percentile([t[0] for t in times], 90), 2),
        "cpu_ms_per_step_median": round(percentile([t[4] for t in times], 50), 2),
        "rss_mb_start": round(rss_start, 2), "rss_mb_end": round(rss_end, 2),
    }
    if a.phases:
        fwd = []
        for _ in range(max(3, a.steps // 2) + 1):
            noise = torch.rand(b, patches, generator=gen)
            t0 = time.perf_counter()
            mae, align = model(sar, target, optical, paired, noise)
            (mae + w_align * align).item()
            fwd.append((time.perf_counter() - t0) * 1e3)
            del mae, align
        out["fwd_bwd_ms"] = round(percentile([t[1] for t in times], 50), 2)
        out["fwd_ms"] = round(percentile(fwd[1:], 50), 2)
        out["grad_norm_ms"] = round(percentile([t[2] for t in times], 50), 2)
        out["optimizer_ms"] = round(percentile([t[3] for t in times], 50), 2)
    if a.profile:
        with torch.autograd.profiler.profile(record_shapes=True) as prof:
            step()
        prof.export_chrome_trace(a.profile)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
