#!/usr/bin/python3
"""Writes the small PyTorch fixtures of the weights tests (trainer/src/test/resources/weights/).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 bench/weights/make_fixtures.py

Everything here is our own small reference code: a MAE ViT with timm/MAE parameter names and a
DINOv3-style ViT (RoPE on patch tokens, storage/register tokens, LayerScale, masked k-bias, final
LayerNorm eps 1e-5) with DINOv3 parameter names, both at tiny sizes with random weights. The Java
tests load the .pth files with the trainer's own reader and compare their forward passes with the
outputs stored in the *_io.npz files (max abs difference 1e-4).
"""
import argparse
import math
import os
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "trainer", "src", "test", "resources", "weights")


# ------------------------------------------------------------------------------------------------
# MAE ViT with timm names (reference §1)

def sincos_2d(width, grid):
    """Fixed 2-D sin-cos table, first half of the width encodes the column, cls row zeros."""
    def one_d(w, pos):
        omega = np.arange(w // 2, dtype=np.float32) / (w / 2.0)
        omega = 1.0 / 10000 ** omega
        out = np.einsum("m,d->md", pos.reshape(-1).astype(np.float64), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)
    rows, cols = np.meshgrid(np.arange(grid, dtype=np.float32), np.arange(grid, dtype=np.float32),
                             indexing="ij")
    emb = np.concatenate([one_d(width // 2, cols), one_d(width // 2, rows)], axis=1)
    return np.concatenate([np.zeros([1, width]), emb], axis=0).astype(np.float32)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * (c // self.heads) ** -0.5) @ k.transpose(-2, -1)
        x = (attn.softmax(-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, 4 * dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, p, c, d):
        super().__init__()
        self.proj = nn.Conv2d(c, d, p, p)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Mae(nn.Module):
    def __init__(self, img, p, d, depth, heads, dd, ddepth, dheads, mask_ratio=0.75):
        super().__init__()
        self.p, self.mask_ratio = p, mask_ratio
        g = img // p
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.from_numpy(sincos_2d(d, g))[None], requires_grad=False)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dd))
        self.decoder_pos_embed = nn.Parameter(torch.from_numpy(sincos_2d(dd, g))[None],
                                              requires_grad=False)
        self.patch_embed = PatchEmbed(p, 3, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.decoder_embed = nn.Linear(d, dd)
        self.decoder_blocks = nn.ModuleList([Block(dd, dheads) for _ in range(ddepth)])
        self.decoder_norm = nn.LayerNorm(dd, eps=1e-6)
        self.decoder_pred = nn.Linear(dd, p * p * 3)

    def patchify(self, imgs):
        p = self.p
        b, c, h, w = imgs.shape
        g = h // p
        x = imgs.reshape(b, c, g, p, g, p)
        return torch.einsum("nchpwq->nhwpqc", x).reshape(b, g * g, p * p * c)

    def forward_encoder(self, x, noise):
        x = self.patch_embed(x) + self.pos_embed[:, 1:, :]
        b, n, d = x.shape
        keep = int(n * (1 - self.mask_ratio))
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        x = torch.gather(x, 1, ids_shuffle[:, :keep].unsqueeze(-1).repeat(1, 1, d))
        mask = torch.ones(b, n)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(b, -1, -1)
        x = torch.cat([cls, x], 1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x), mask, ids_restore

    def forward_features(self, imgs):
        x = self.patch_embed(imgs) + self.pos_embed[:, 1:, :]
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], 1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def forward_decoder(self, x, ids_restore):
        x = self.decoder_embed(x)
        b, n1, dd = x.shape
        tokens = self.mask_token.repeat(b, ids_restore.shape[1] + 1 - n1, 1)
        y = torch.cat([x[:, 1:, :], tokens], 1)
        y = torch.gather(y, 1, ids_restore.unsqueeze(-1).repeat(1, 1, dd))
        x = torch.cat([x[:, :1, :], y], 1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        return self.decoder_pred(self.decoder_norm(x))[:, 1:, :]

    def forward_loss(self, target, pred, mask):
        loss = ((pred - self.patchify(target)) ** 2).mean(-1)
        return (loss * mask).sum() / mask.sum()


def randomize(module, scale):
    """Random weights of a useful size (an untrained MAE has zero biases and unit norms)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "pos_embed" in name:
                continue
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or \
                    name.endswith("norm.weight") or ".ls" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(scale * torch.randn_like(p))


# ------------------------------------------------------------------------------------------------
# DINOv3-style ViT (structure and parameter names of facebookresearch/dinov3, own code)

def rope_rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat([-b, a], dim=-1)


class RopeEmbed(nn.Module):
    def __init__(self, head_dim, base=100.0):
        super().__init__()
        n = head_dim // 4
        self.register_buffer("periods",
                             base ** (2 * torch.arange(n, dtype=torch.float32) / (head_dim // 2)))

    def forward(self, h, w):
        ch = torch.arange(0.5, h, dtype=torch.float32) / h
        cw = torch.arange(0.5, w, dtype=torch.float32) / w
        coords = torch.stack(torch.meshgrid(ch, cw, indexing="ij"), dim=-1).flatten(0, 1)
        coords = 2.0 * coords - 1.0
        angles = 2 * math.pi * coords[:, :, None] / self.periods[None, None, :]
        angles = angles.flatten(1, 2).tile(2)
        return torch.sin(angles), torch.cos(angles)


class MaskedBiasLinear(nn.Linear):
    def __init__(self, i, o):
        super().__init__(i, o)
        mask = torch.ones(o)
        mask[o // 3: 2 * o // 3] = 0
        self.register_buffer("bias_mask", mask)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias * self.bias_mask)


class DinoAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = MaskedBiasLinear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, rope):
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).unbind(2)
        q, k, v = [t.transpose(1, 2) for t in (q, k, v)]
        sin, cos = rope
        prefix = n - sin.shape[-2]
        q = torch.cat([q[:, :, :prefix], q[:, :, prefix:] * cos + rope_rotate_half(q[:, :, prefix:]) * sin], 2)
        k = torch.cat([k[:, :, :prefix], k[:, :, prefix:] * cos + rope_rotate_half(k[:, :, prefix:]) * sin], 2)
        attn = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
        x = (attn.softmax(-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class LayerScale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), 1e-5))

    def forward(self, x):
        return x * self.gamma


class DinoBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = DinoAttention(dim, heads)
        self.ls1 = LayerScale(dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, 4 * dim)
        self.ls2 = LayerScale(dim)

    def forward(self, x, rope):
        x = x + self.ls1(self.attn(self.norm1(x), rope))
        return x + self.ls2(self.mlp(self.norm2(x)))


class Dino(nn.Module):
    def __init__(self, p, d, depth, heads, storage):
        super().__init__()
        self.p, self.storage = p, storage
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.storage_tokens = nn.Parameter(torch.zeros(1, storage, d))
        self.mask_token = nn.Parameter(torch.zeros(1, d))
        self.patch_embed = PatchEmbed(p, 3, d)
        self.rope_embed = RopeEmbed(d // heads)
        self.blocks = nn.ModuleList([DinoBlock(d, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(d, eps=1e-5)

    def forward(self, x):
        b, _, h, w = x.shape
        t = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(b, -1, -1), self.storage_tokens.expand(b, -1, -1), t], 1)
        rope = self.rope_embed(h // self.p, w // self.p)
        for blk in self.blocks:
            x = blk(x, rope)
        return self.norm(x)


# ------------------------------------------------------------------------------------------------

class Evil:
    """Pickles as a call of os.system: a loader that executes pickles would run the command."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def save(obj, name, **kw):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kw)
    print(f"{name}: {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(6)

    # MAE ViT: image 16, patch 4 (4x4 grid), width 16, 2 blocks of 2 heads; decoder 8 wide, 1 block.
    mae = Mae(img=16, p=4, d=16, depth=2, heads=2, dd=8, ddepth=1, dheads=2).eval()
    randomize(mae, 0.3)
    imgs = torch.rand(2, 3, 16, 16) * 2 - 1
    target = torch.rand(2, 3, 16, 16) * 2 - 1
    noise = torch.rand(2, 16)
    with torch.no_grad():
        latent, mask, ids_restore = mae.forward_encoder(imgs, noise)
        pred = mae.forward_decoder(latent, ids_restore)
        loss = mae.forward_loss(target, pred, mask)
        features = mae.forward_features(imgs)
    save({"model": mae.state_dict()}, "mae_tiny.pth")
    np.savez(os.path.join(OUT, "mae_tiny_io.npz"), imgs=imgs.numpy(), target=target.numpy(),
             noise=noise.numpy(), latent=latent.numpy(), pred=pred.numpy(), mask=mask.numpy(),
             loss=loss.numpy().reshape(1), features=features.numpy())

    # The SARMAE pretraining wrapper's checkpoint layout (§5.5): prefixed model keys plus
    # optimizer, epoch, scaler and an argparse.Namespace.
    model = OrderedDict()
    for k, v in mae.state_dict().items():
        model["sar_encoder." + k] = v
    model["optical_encoder.cls_token"] = torch.randn(1, 1, 16)
    model["optical_encoder.patch_embed.weight"] = torch.randn(16, 3, 4, 4) * 0.1
    model["optical_encoder.patch_embed.bias"] = torch.randn(16) * 0.1
    model["optical_encoder.norm.weight"] = torch.ones(16)
    model["optical_encoder.norm.bias"] = torch.zeros(16)
    for k, shape in [("0.weight", (16, 16)), ("0.bias", (16,)), ("2.weight", (16, 16)),
                     ("2.bias", (16,)), ("3.weight", (16,)), ("3.bias", (16,))]:
        model["sar_alignment_ffn." + k] = torch.randn(*shape) * 0.01
    ckpt = {"model": model,
            "optimizer": {"state": {0: {"step": 3, "exp_avg": torch.zeros(2)}},
                          "param_groups": [{"lr": 1e-4, "weight_decay": 0.05, "params": [0]}]},
            "epoch": 3, "scaler": {"scale": 65536.0, "growth_factor": 2.0},
            "args": argparse.Namespace(model="mae_vit_base_patch16", mask_ratio=0.75, lr=None,
                                       input_size=16, blr=1e-3, data_path="./data",
                                       flags=[1, 2], pair=(1, "a"))}
    save(ckpt, "sarmae_wrapper.pth")

    # DINOv3-style teacher: patch 4, width 16, 2 heads (head dim 8, 2 RoPE periods), 4 storage tokens.
    dino = Dino(p=4, d=16, depth=2, heads=2, storage=4).eval()
    randomize(dino, 0.3)
    with torch.no_grad():
        for blk in dino.blocks:
            blk.ls1.gamma.copy_(0.5 + 0.5 * torch.rand(16))
            blk.ls2.gamma.copy_(0.5 + 0.5 * torch.rand(16))
    optical = torch.randn(2, 3, 16, 24)  # a 4x6 patch grid: RoPE must not assume a square image
    with torch.no_grad():
        out = dino(optical)
    save(dino.state_dict(), "dinov3_tiny.pth")
    np.savez(os.path.join(OUT, "dinov3_tiny_io.npz"), optical=optical.numpy(),
             tokens=out.numpy(), patch=out[:, 5:].numpy(), cls=out[:, 0].numpy())
    # The same teacher as a training checkpoint: {"teacher": {"backbone.<name>": ...}}.
    save({"teacher": OrderedDict(("backbone." + k, v) for k, v in dino.state_dict().items()),
          "iteration": 10}, "dinov3_tiny_teacher_ckpt.pth")

    # Data types, views and shared storages; values follow formulas the Java test recomputes.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.25
    half_base = base.half()
    sd = OrderedDict()
    sd["f32"] = base
    sd["f16"] = half_base
    sd["bf16"] = base.bfloat16()
    sd["f64"] = base.double()
    sd["i64"] = torch.arange(5) - 2
    sd["i32"] = torch.arange(5, dtype=torch.int32) * 3
    sd["u8"] = torch.arange(5, dtype=torch.uint8) + 250
    sd["bool"] = torch.tensor([True, False, True])
    sd["transposed"] = base.t()                 # shares base's storage, strides (1, 6)
    sd["sliced"] = base[1:3, 2:5]               # storage offset 8, strides (6, 1)
    sd["stepped"] = base[::2, ::3]              # strides (12, 3)
    sd["expanded"] = torch.tensor([1.5, -2.0]).expand(3, 2)  # stride 0
    sd["f16_transposed"] = half_base.t()
    sd["bf16_sliced"] = sd["bf16"][2:, 1:4]
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = nn.Parameter(torch.full((2, 2), 7.0))
    save({"state_dict": sd, "epoch": 7, "note": "dtypes", "nested": {"list": [1, 2.5, None, True]}},
         "dtypes.pth")

    # A pickle that would run a shell command if a loader executed it.
    save({"model": {"w": torch.zeros(2)}, "payload": Evil("touch /tmp/sarmae-pwned")},
         "hostile_os_system.pth")
    # The pre-1.6 (non-zip) serialization, which the reader reports clearly.
    save({"w": torch.zeros(2)}, "legacy_format.pth", _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    main()
