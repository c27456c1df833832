#!/usr/bin/python3
"""Writes the PyTorch fixtures of the segmentation parity tests (trainer/src/test/resources/seg/).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 bench/seg/make_fixtures.py

Everything here is our own small reference code in plain torch.nn, written from the documented
semantics (docs/segmentation.md, /work/shared/DENSE-TASKS.md section 1), not copied from
mmsegmentation: a MAE ViT encoder with the cls token stripped from four tapped blocks, the
feature pyramid (ConvTranspose 2x / channel LayerNorm / GELU / MaxPool), mmseg's UPerHead
semantics (PPM on the top level, lateral 1x1, top-down bilinear add, 3x3 FPN convs, fuse), an FCN
auxiliary head, and the per-pixel cross-entropy with ignore index 255 under three normalisations.

Each fixture is a safetensors file of weights (random, with random BatchNorm running statistics)
and an *_io.npz with the input, the pyramid, the logits in eval and train mode (dropout off) and
the loss values. Also a bicubic position-embedding table resampled with F.interpolate.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "trainer", "src", "test", "resources", "seg")


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
        return self.proj((attn.softmax(-1) @ v).transpose(1, 2).reshape(b, n, c))


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
    def __init__(self, chans, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(chans, dim, patch, patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


def resize_pos_embed(pos, grid, h, w):
    """(1, 1+g*g, D) -> (1, 1+h*w, D): bicubic, align_corners False, cls row kept (timm/MAE)."""
    if grid == h and grid == w:
        return pos
    d = pos.shape[-1]
    patches = pos[:, 1:].reshape(1, grid, grid, d).permute(0, 3, 1, 2)
    patches = F.interpolate(patches, size=(h, w), mode="bicubic", align_corners=False)
    return torch.cat([pos[:, :1], patches.permute(0, 2, 3, 1).reshape(1, h * w, d)], dim=1)


class Backbone(nn.Module):
    """MAE encoder; features of the tapped blocks without the cls token, as (B, D, H/p, W/p)."""

    def __init__(self, chans, dim, depth, heads, patch, image, taps):
        super().__init__()
        self.patch, self.grid, self.taps = patch, image // patch, taps
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + self.grid ** 2, dim) * 0.5)
        self.patch_embed = PatchEmbed(chans, dim, patch)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])

    def forward(self, img):
        b, _, hh, ww = img.shape
        h, w = hh // self.patch, ww // self.patch
        x = self.patch_embed(img)
        pos = resize_pos_embed(self.pos_embed, self.grid, h, w)
        x = torch.cat([(self.cls_token + pos[:, :1]).expand(b, -1, -1), x + pos[:, 1:]], dim=1)
        outs = []
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in self.taps:
                outs.append(x[:, 1:].transpose(1, 2).reshape(b, -1, h, w))
        return outs


class LayerNorm2d(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, x.shape[-1:], self.weight, self.bias, 1e-6)
        return x.permute(0, 3, 1, 2)


def level_op(dim, rescale):
    """rescale 2^k > 1: k ConvTranspose(2, 2) with LayerNorm2d + GELU between; 1: identity;
    1/m: MaxPool(m)."""
    if rescale > 1:
        layers = []
        for j in range(int(round(math.log2(rescale)))):
            if j > 0:
                layers += [LayerNorm2d(dim), nn.GELU()]
            layers.append(nn.ConvTranspose2d(dim, dim, 2, 2))
        return nn.Sequential(*layers)
    if rescale == 1:
        return nn.Identity()
    return nn.MaxPool2d(int(round(1 / rescale)))


class Pyramid(nn.Module):
    def __init__(self, dim, rescales):
        super().__init__()
        for i, r in enumerate(rescales):
            setattr(self, "fpn%d" % (i + 1), level_op(dim, r))
        self.n = len(rescales)

    def forward(self, feats):
        return [getattr(self, "fpn%d" % (i + 1))(f) for i, f in enumerate(feats)]


class ConvModule(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def up(x, size):
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class UperHead(nn.Module):
    def __init__(self, in_ch, channels, classes, pool_scales=(1, 2, 3, 6), dropout=0.1):
        super().__init__()
        self.psp_modules = nn.ModuleList(
            [nn.Sequential(nn.AdaptiveAvgPool2d(s), ConvModule(in_ch[-1], channels, 1))
             for s in pool_scales])
        self.bottleneck = ConvModule(in_ch[-1] + len(pool_scales) * channels, channels, 3)
        self.lateral_convs = nn.ModuleList([ConvModule(c, channels, 1) for c in in_ch[:-1]])
        self.fpn_convs = nn.ModuleList([ConvModule(channels, channels, 3) for _ in in_ch[:-1]])
        self.fpn_bottleneck = ConvModule(len(in_ch) * channels, channels, 3)
        self.dropout = nn.Dropout2d(dropout)
        self.conv_seg = nn.Conv2d(channels, classes, 1)

    def forward(self, inputs):
        top = inputs[-1]
        psp = [top] + [up(m(top), top.shape[2:]) for m in self.psp_modules]
        laterals = [conv(inputs[i]) for i, conv in enumerate(self.lateral_convs)]
        laterals.append(self.bottleneck(torch.cat(psp, 1)))
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + up(laterals[i], laterals[i - 1].shape[2:])
        outs = [self.fpn_convs[i](laterals[i]) for i in range(len(laterals) - 1)]
        outs.append(laterals[-1])
        for i in range(len(outs) - 1, 0, -1):
            outs[i] = up(outs[i], outs[0].shape[2:])
        return self.conv_seg(self.dropout(self.fpn_bottleneck(torch.cat(outs, 1))))


class FcnHead(nn.Module):
    def __init__(self, cin, channels, classes, dropout=0.1):
        super().__init__()
        self.convs = nn.Sequential(ConvModule(cin, channels, 3))
        self.dropout = nn.Dropout2d(dropout)
        self.conv_seg = nn.Conv2d(channels, classes, 1)

    def forward(self, x):
        return self.conv_seg(self.dropout(self.convs(x)))


class Segmenter(nn.Module):
    def __init__(self, chans, dim, depth, heads, patch, image, taps, rescales, channels,
                 aux_channels, classes):
        super().__init__()
        self.backbone = Backbone(chans, dim, depth, heads, patch, image, taps)
        self.neck = Pyramid(dim, rescales)
        self.decode_head = UperHead([dim] * 4, channels, classes)
        self.auxiliary_head = FcnHead(dim, aux_channels, classes)

    def forward(self, img):
        feats = self.backbone(img)
        levels = self.neck(feats)
        return feats, levels, self.decode_head(levels), self.auxiliary_head(levels[2])


def randomize(model, gen):
    """Random weights everywhere (PyTorch's init leaves BN at 1/0), and random running stats."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("pos_embed") or name.endswith("cls_token"):
                continue
            if p.dim() == 1:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen)
                        if name.endswith("weight") else 0.1 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def ce_losses(logits, label, class_weight):
    """Per-pixel CE at the label size; sums divided three ways (see docs/segmentation.md)."""
    up_logits = up(logits, label.shape[1:])
    per_pixel = F.cross_entropy(up_logits, label, weight=class_weight, reduction="none",
                                ignore_index=255)
    valid = label != 255
    w = class_weight[label.clamp(max=class_weight.numel() - 1)] * valid if class_weight is not None \
        else valid.float()
    return {
        "all_pixels": per_pixel.sum() / label.numel(),
        "non_ignored": per_pixel.sum() / valid.sum(),
        "weight_sum": per_pixel.sum() / w.sum(),
    }


def save(name, model, tensors):
    from safetensors_writer import write_safetensors
    write_safetensors(os.path.join(OUT, name + ".safetensors"),
                      {k: v.detach().numpy() for k, v in model.state_dict().items()
                       if not k.endswith("num_batches_tracked")})
    np.savez(os.path.join(OUT, name + "_io.npz"),
             **{k: (v.detach().numpy() if torch.is_tensor(v) else v) for k, v in tensors.items()})


def fixture(name, patch, image, input_hw, rescales, seed):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    classes = 6
    model = Segmenter(chans=1, dim=16, depth=4, heads=2, patch=patch, image=image,
                      taps=[0, 1, 2, 3], rescales=rescales, channels=8, aux_channels=4,
                      classes=classes)
    randomize(model, gen)
    img = torch.randn((2, 1) + input_hw, generator=gen)
    label = torch.randint(0, classes, (2,) + input_hw, generator=gen)
    label[0, :3, :] = 255
    label[1, :, -5:] = 255
    class_weight = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.8, 1.2])
    out = {"imgs": img, "labels": label.to(torch.int64), "class_weight": class_weight}
    with torch.no_grad():
        model.eval()
        feats, levels, logits, aux = model(img)
        for i, f in enumerate(feats):
            out["tap%d" % i] = f
        for i, lv in enumerate(levels):
            out["level%d" % i] = lv
        out["logits_eval"] = logits
        out["aux_eval"] = aux
        model.train()
        for m in model.modules():
            if isinstance(m, nn.Dropout2d):
                m.eval()
        _, _, logits_t, aux_t = model(img)
        out["logits_train"] = logits_t
        out["aux_train"] = aux_t
        # running statistics after one training forward (momentum 0.1, unbiased variance)
        bn = model.decode_head.fpn_bottleneck.bn
        out["fpn_bottleneck_running_mean"] = bn.running_mean.clone()
        out["fpn_bottleneck_running_var"] = bn.running_var.clone()
        for key, value in ce_losses(logits, label, None).items():
            out["loss_" + key] = value
        for key, value in ce_losses(logits, label, class_weight).items():
            out["wloss_" + key] = value
        out["aux_loss_all_pixels"] = ce_losses(aux, label, None)["all_pixels"]
        out["logits_up"] = up(logits, label.shape[1:])
    # reload the eval-mode state (the train forward moved the running statistics)
    model2 = Segmenter(chans=1, dim=16, depth=4, heads=2, patch=patch, image=image,
                       taps=[0, 1, 2, 3], rescales=rescales, channels=8, aux_channels=4,
                       classes=classes)
    randomize(model2, torch.Generator().manual_seed(seed))
    model2.backbone.pos_embed.data.copy_(model.backbone.pos_embed.data)
    model2.backbone.cls_token.data.copy_(model.backbone.cls_token.data)
    save(name, model2, out)
    assert torch.equal(model2.state_dict()["decode_head.conv_seg.weight"],
                       model.state_dict()["decode_head.conv_seg.weight"])


def bicubic_fixture(seed):
    gen = torch.Generator().manual_seed(seed)
    table = torch.randn(1, 1 + 16, 8, generator=gen)
    out = {"table": table}
    for h, w in [(7, 7), (6, 10), (2, 3), (4, 4)]:
        out["resized_%dx%d" % (h, w)] = resize_pos_embed(table, 4, h, w)
    np.savez(os.path.join(OUT, "pos_embed_bicubic.npz"), **{k: v.numpy() for k, v in out.items()})


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    os.makedirs(OUT, exist_ok=True)
    # patch 8: rescales 2, 1, 1/2, 1/4 (strides 4..32); input 48x64 on a 32x32-pretrained grid,
    # so the position embedding is resampled 4x4 -> 6x8 inside the forward
    fixture("seg_p8", patch=8, image=32, input_hw=(48, 64), rescales=[2, 1, 0.5, 0.25], seed=1)
    # patch 16: rescales 4, 2, 1, 1/2 (the ViT-B/16 recipe); input 64x64 = pretraining grid
    fixture("seg_p16", patch=16, image=64, input_hw=(64, 64), rescales=[4, 2, 1, 0.5], seed=2)
    bicubic_fixture(3)
    print("wrote fixtures to", os.path.abspath(OUT))
