#!/usr/bin/python3
"""Writes a random ViT-B/16 encoder checkpoint like mae_pretrain_vit_base.pth ({'model': state_dict},
timm names, float32, ~343 MB) for the load benchmark. Not committed: generated on demand."""
import sys
from collections import OrderedDict

import torch

out = sys.argv[1]
d, depth = 768, 12
sd = OrderedDict()
sd["cls_token"] = torch.randn(1, 1, d) * 0.02
sd["pos_embed"] = torch.randn(1, 197, d) * 0.02
sd["patch_embed.proj.weight"] = torch.randn(d, 3, 16, 16) * 0.02
sd["patch_embed.proj.bias"] = torch.zeros(d)
for i in range(depth):
    p = f"blocks.{i}."
    sd[p + "norm1.weight"] = torch.ones(d)
    sd[p + "norm1.bias"] = torch.zeros(d)
    sd[p + "attn.qkv.weight"] = torch.randn(3 * d, d) * 0.02
    sd[p + "attn.qkv.bias"] = torch.zeros(3 * d)
    sd[p + "attn.proj.weight"] = torch.randn(d, d) * 0.02
    sd[p + "attn.proj.bias"] = torch.zeros(d)
    sd[p + "norm2.weight"] = torch.ones(d)
    sd[p + "norm2.bias"] = torch.zeros(d)
    sd[p + "mlp.fc1.weight"] = torch.randn(4 * d, d) * 0.02
    sd[p + "mlp.fc1.bias"] = torch.zeros(4 * d)
    sd[p + "mlp.fc2.weight"] = torch.randn(d, 4 * d) * 0.02
    sd[p + "mlp.fc2.bias"] = torch.zeros(d)
sd["norm.weight"] = torch.ones(d)
sd["norm.bias"] = torch.zeros(d)
torch.save({"model": sd}, out)
print(out, sum(t.numel() for t in sd.values()), "values")
