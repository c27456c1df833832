#!/usr/bin/python3
"""Writes the PyTorch fixtures of the detector parity test (trainer/src/test/resources/det/).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 bench/det/make_fixtures.py

Our own small reference in plain torch.nn (no mmdet), written from the documented semantics
(docs/detection-model.md, /work/shared/DENSE-TASKS.md section 2): the MAE ViT encoder of
bench/seg/make_fixtures.py (last block only), ViTDet's simple feature pyramid, the FCOS head with
GroupNorm towers and per-level scales (and an angle branch for oriented boxes), the FCOS point
assignment (numpy, vectorised) and the losses (torchvision-style focal loss, GIoU of decoded
boxes, centerness BCE, smooth-L1 of the wrapped angle error).

Each fixture is a safetensors file of random weights and an *_io.npz with the input, the pyramid,
the raw head outputs, the ground-truth boxes, the point labels and the loss values.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "seg"))
from safetensors_writer import write_safetensors  # noqa: E402


def _segmentation_reference():
    """bench/seg/make_fixtures.py under another module name (this file has the same name)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "seg_make_fixtures", os.path.join(HERE, "..", "seg", "make_fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_seg = _segmentation_reference()
Backbone, LayerNorm2d, randomize = _seg.Backbone, _seg.LayerNorm2d, _seg.randomize

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    HERE, "..", "..", "trainer", "src", "test", "resources", "det")


class Level(nn.Module):
    """One simple-pyramid level from the stride-p map: k ConvT(2, 2) halving channels (LN + GELU
    between), or a max-pool, then 1x1 conv + LN and 3x3 conv + LN (no bias, no activation)."""

    def __init__(self, dim, patch, stride, channels):
        super().__init__()
        self.pool = stride // patch if stride > patch else 1
        ups, norms, c = [], [], dim
        k = int(round(math.log2(patch // stride))) if stride < patch else 0
        for j in range(k):
            if j > 0:
                norms.append(LayerNorm2d(c))
            ups.append(nn.ConvTranspose2d(c, c // 2, 2, 2))
            c //= 2
        self.up = nn.ModuleList(ups)
        self.up_norm = nn.ModuleList(norms)
        self.lateral = nn.Conv2d(c, channels, 1, bias=False)
        self.lateral_norm = LayerNorm2d(channels)
        self.output = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.output_norm = LayerNorm2d(channels)

    def forward(self, x):
        for j, up in enumerate(self.up):
            if j > 0:
                x = F.gelu(self.up_norm[j - 1](x))
            x = up(x)
        if self.pool > 1:
            x = F.max_pool2d(x, self.pool)
        return self.output_norm(self.output(self.lateral_norm(self.lateral(x))))


class SimplePyramid(nn.Module):
    def __init__(self, dim, patch, strides, channels):
        super().__init__()
        self.kinds = []
        levels = {}
        for i, s in enumerate(strides):
            if s > 2 * patch:
                self.kinds.append("subsample")
            else:
                self.kinds.append("level")
                levels["level%d" % i] = Level(dim, patch, s, channels)
        for k, v in levels.items():
            setattr(self, k, v)

    def forward(self, x):
        out = []
        for i, kind in enumerate(self.kinds):
            if kind == "subsample":  # detectron2 LastLevelMaxPool
                out.append(F.max_pool2d(out[-1], kernel_size=1, stride=2))
            else:
                out.append(getattr(self, "level%d" % i)(x))
        return out


class ConvGn(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.gn = nn.GroupNorm(groups, c)

    def forward(self, x):
        return F.relu(self.gn(self.conv(x)))


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x * self.scale


class FcosHead(nn.Module):
    def __init__(self, channels, classes, convs, levels, oriented, groups):
        super().__init__()
        self.cls_convs = nn.ModuleList([ConvGn(channels, groups) for _ in range(convs)])
        self.reg_convs = nn.ModuleList([ConvGn(channels, groups) for _ in range(convs)])
        self.conv_cls = nn.Conv2d(channels, classes, 3, padding=1)
        self.conv_reg = nn.Conv2d(channels, 4, 3, padding=1)
        self.conv_centerness = nn.Conv2d(channels, 1, 3, padding=1)
        self.conv_angle = nn.Conv2d(channels, 1, 3, padding=1) if oriented else None
        self.scales = nn.ModuleList([Scale() for _ in range(levels)])

    def forward(self, feats):
        out = {"cls": [], "reg": [], "ctr": [], "angle": []}
        for i, x in enumerate(feats):
            c, r = x, x
            for m in self.cls_convs:
                c = m(c)
            for m in self.reg_convs:
                r = m(r)
            out["cls"].append(self.conv_cls(c))
            out["reg"].append(self.scales[i](self.conv_reg(r)).clamp(min=0))
            out["ctr"].append(self.conv_centerness(r))
            if self.conv_angle is not None:
                out["angle"].append(self.conv_angle(r))
        return out


class Detector(nn.Module):
    def __init__(self, dim, depth, heads, patch, image, strides, channels, classes, convs,
                 oriented, groups):
        super().__init__()
        self.backbone = Backbone(1, dim, depth, heads, patch, image, [depth - 1])
        self.neck = SimplePyramid(dim, patch, strides, channels)
        self.head = FcosHead(channels, classes, convs, len(strides), oriented, groups)

    def forward(self, img):
        levels = self.neck(self.backbone(img)[0])
        return levels, self.head(levels)


def assign(boxes, strides, hh, ww, oriented, radius):
    """FCOS targets of one image. boxes: rows (cat, x1, y1, x2, y2, cx, cy, w, h, theta, ignore).
    Returns labels (-1 background, -2 ignored), ltrb / stride, centerness, angle, per point."""
    pts, st, lo, hi = [], [], [], []
    for i, s in enumerate(strides):
        gh, gw = -(-hh // s), -(-ww // s)
        ys, xs = np.meshgrid(np.arange(gh), np.arange(gw), indexing="ij")
        p = np.stack([(xs.ravel() + 0.5) * s, (ys.ravel() + 0.5) * s], 1)
        pts.append(p)
        st.append(np.full(len(p), s, dtype=np.float64))
        lo.append(np.full(len(p), -1.0 if i == 0 else 8.0 * strides[i - 1]))
        hi.append(np.full(len(p), np.inf if i == len(strides) - 1 else 8.0 * s))
    pts, st, lo, hi = map(np.concatenate, (pts, st, lo, hi))
    n, m = len(pts), len(boxes)
    labels = np.full(n, -1, dtype=np.int64)
    ltrb = np.ones((n, 4))
    ctr = np.zeros(n)
    ang = np.zeros(n)
    if m == 0:
        return labels, ltrb, ctr, ang
    b = np.asarray(boxes, dtype=np.float64)
    px, py = pts[:, 0:1], pts[:, 1:2]  # (n, 1)
    if oriented:
        cx, cy, w, h, th = (b[:, k][None, :] for k in range(5, 10))
        dx, dy = px - cx, py - cy
        ox = np.cos(th) * dx + np.sin(th) * dy
        oy = -np.sin(th) * dx + np.cos(th) * dy
        l, r, t, bb = w / 2 + ox, w / 2 - ox, h / 2 + oy, h / 2 - oy
        area = (w * h).repeat(n, 0)
    else:
        x1, y1, x2, y2 = (b[:, k][None, :] for k in range(1, 5))
        l, t, r, bb = px - x1, py - y1, x2 - px, y2 - py
        ox, oy = px - (x1 + x2) / 2, py - (y1 + y2) / 2
        area = ((x2 - x1) * (y2 - y1)).repeat(n, 0)
    d = np.stack([l, t, r, bb], -1)  # (n, m, 4)
    inside = d.min(-1) > 0
    rad = radius * st[:, None]
    cand = inside & (np.abs(ox) < rad) & (np.abs(oy) < rad)
    mx = d.max(-1)
    cand &= (mx >= lo[:, None]) & (mx <= hi[:, None])
    area = np.where(cand, area, np.inf)
    best = area.argmin(1)
    has = np.isfinite(area.min(1))
    ign = b[:, 10] > 0
    in_ignored = (inside & ign[None, :]).any(1)
    for p in range(n):
        if not has[p]:
            labels[p] = -2 if in_ignored[p] else -1
        elif ign[best[p]]:
            labels[p] = -2
        else:
            g = best[p]
            labels[p] = int(b[g, 0])
            lt = d[p, g]
            ltrb[p] = lt / st[p]
            ctr[p] = math.sqrt(min(lt[0], lt[2]) / max(lt[0], lt[2])
                               * min(lt[1], lt[3]) / max(lt[1], lt[3]))
            ang[p] = b[g, 9] if oriented else 0.0
    return labels, ltrb, ctr, ang


def giou_loss(pred, target, eps=1e-6):
    """1 - GIoU of boxes decoded around a common point (origin); mmdet's eps clamps."""
    p = torch.stack([-pred[:, 0], -pred[:, 1], pred[:, 2], pred[:, 3]], 1)
    t = torch.stack([-target[:, 0], -target[:, 1], target[:, 2], target[:, 3]], 1)
    ap = (p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1])
    at = (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])
    lt = torch.max(p[:, :2], t[:, :2])
    rb = torch.min(p[:, 2:], t[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    union = (ap + at - inter).clamp(min=eps)
    elt = torch.min(p[:, :2], t[:, :2])
    erb = torch.max(p[:, 2:], t[:, 2:])
    ewh = (erb - elt).clamp(min=0)
    enclose = (ewh[:, 0] * ewh[:, 1]).clamp(min=eps)
    return 1 - (inter / union - (enclose - union) / enclose)


def losses(head_out, boxes_per_image, strides, hh, ww, classes, oriented, radius, alpha, gamma,
           box_w, angle_w):
    flat = lambda xs, c: torch.cat([x.permute(0, 2, 3, 1).reshape(x.shape[0], -1, c) for x in xs], 1)
    cls = flat(head_out["cls"], classes)
    reg = flat(head_out["reg"], 4)
    ctr = flat(head_out["ctr"], 1)[..., 0]
    labels, ltrb, ctr_t, ang_t = zip(*[assign(b, strides, hh, ww, oriented, radius)
                                       for b in boxes_per_image])
    labels = torch.from_numpy(np.stack(labels))
    ltrb = torch.from_numpy(np.stack(ltrb)).float()
    ctr_t = torch.from_numpy(np.stack(ctr_t)).float()
    ang_t = torch.from_numpy(np.stack(ang_t)).float()
    pos = labels >= 0
    valid = labels != -2
    num_pos = max(int(pos.sum()), 1)
    onehot = F.one_hot(labels.clamp(min=0), classes).float() * pos[..., None]
    # torchvision-style sigmoid focal loss
    p = torch.sigmoid(cls)
    ce = F.binary_cross_entropy_with_logits(cls, onehot, reduction="none")
    p_t = p * onehot + (1 - p) * (1 - onehot)
    a_t = alpha * onehot + (1 - alpha) * (1 - onehot)
    focal = (a_t * ce * (1 - p_t) ** gamma * valid[..., None]).sum() / num_pos
    g = giou_loss(reg[pos], ltrb[pos])
    w = ctr_t[pos]
    box = (g * w).sum() / w.sum().clamp(min=1e-6)
    cen = F.binary_cross_entropy_with_logits(ctr[pos], ctr_t[pos], reduction="sum") / num_pos
    out = {"labels": labels, "loss_cls": focal, "loss_bbox": box, "loss_centerness": cen}
    total = focal + box_w * box + cen
    if oriented:
        ang = flat(head_out["angle"], 1)[..., 0]
        d = ang[pos] - ang_t[pos]
        wrapped = torch.remainder(d + math.pi / 2, math.pi) - math.pi / 2
        la = F.smooth_l1_loss(wrapped, torch.zeros_like(wrapped), beta=0.1,
                              reduction="sum") / num_pos
        out["loss_angle"] = la
        total = total + angle_w * la
    out["total"] = total
    return out


def le90(cx, cy, w, h, th):
    if w < h:
        w, h, th = h, w, th + math.pi / 2
    th = (th + math.pi / 2) % math.pi - math.pi / 2
    return cx, cy, w, h, th


def box_rows(specs, oriented):
    rows = []
    for cat, cx, cy, w, h, th, ign in specs:
        cx, cy, w, h, th = le90(cx, cy, w, h, th) if oriented else (cx, cy, w, h, 0.0)
        c, s = abs(math.cos(th)), abs(math.sin(th))
        hx, hy = (w * c + h * s) / 2, (w * s + h * c) / 2
        rows.append([cat, cx - hx, cy - hy, cx + hx, cy + hy, cx, cy, w, h, th, ign])
    return np.asarray(rows, dtype=np.float64).reshape(-1, 11)


def fixture(name, patch, image, input_hw, strides, classes, convs, oriented, boxes, seed):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    dim, depth, heads, channels, groups = 16, 2, 2, 8, 8
    model = Detector(dim, depth, heads, patch, image, strides, channels, classes, convs, oriented,
                     groups)
    randomize(model, gen)
    with torch.no_grad():
        for i, sc in enumerate(model.head.scales):
            sc.scale.fill_(0.8 + 0.2 * i)
    img = torch.randn((2, 1) + input_hw, generator=gen)
    rows = [box_rows(b, oriented) for b in boxes]
    out = {"imgs": img}
    with torch.no_grad():
        levels, head = model(img)
        for i, lv in enumerate(levels):
            out["level%d" % i] = lv
        for key in ("cls", "reg", "ctr", "angle"):
            for i, x in enumerate(head[key]):
                out["%s%d" % (key, i)] = x
        ls = losses(head, rows, strides, input_hw[0], input_hw[1], classes, oriented, 1.5, 0.25,
                    2.0, 1.0, 1.0)
    for k, v in ls.items():
        out[k] = v
    for b, r in enumerate(rows):
        out["boxes%d" % b] = torch.from_numpy(r).float()
    write_safetensors(os.path.join(OUT, name + ".safetensors"),
                      {k: v.detach().numpy() for k, v in model.state_dict().items()})
    np.savez(os.path.join(OUT, name + "_io.npz"),
             **{k: (v.detach().numpy() if torch.is_tensor(v) else v) for k, v in out.items()})
    print(name, {k: float(v) for k, v in ls.items() if k != "labels"},
          "positives", int((ls["labels"] >= 0).sum()), "ignored", int((ls["labels"] == -2).sum()))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    # patch 16, strides 4..64: ConvT-LN-GELU-ConvT, ConvT, identity, pool 2, subsample of P5;
    # a 64x128 input on a 64x64-pretrained grid (position embedding resampled 4x4 -> 4x8);
    # regress ranges (-1, 32), (32, 64), (64, 128), (128, 256), (256, inf); boxes (cat, cx, cy,
    # w, h, theta, ignore) of several sizes, two overlapping (smallest area wins), one ignored
    fixture("det_p16", patch=16, image=64, input_hw=(64, 128), strides=[4, 8, 16, 32, 64],
            classes=3, convs=2, oriented=False, seed=4,
            boxes=[[(0, 30, 30, 40, 24, 0, 0), (2, 36, 28, 12, 10, 0, 0),
                    (1, 96, 40, 50, 40, 0, 0)],
                   [(1, 64, 32, 100, 50, 0, 0), (0, 20, 50, 16, 12, 0, 1)]])
    # patch 8, strides 8, 16, 32 (identity, pool 2, subsample); oriented le90 boxes
    fixture("det_p8_obb", patch=8, image=32, input_hw=(32, 64), strides=[8, 16, 32],
            classes=2, convs=1, oriented=True, seed=5,
            boxes=[[(0, 20, 16, 24, 10, 0.6, 0), (1, 44, 18, 30, 14, -1.2, 0)],
                   [(1, 30, 16, 40, 8, 1.4, 0), (0, 50, 20, 12, 20, 0.3, 1)]])
    print("wrote fixtures to", os.path.abspath(OUT))
