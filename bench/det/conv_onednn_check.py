# The oneDNN convolution check of docs/detection-model.md ("oneDNN convolution") on Debian's
# PyTorch 1.13 (oneDNN 2.6.3): forward output and input gradient of a 3x3 conv in float32, with
# oneDNN on and off, against float64. Run: /usr/bin/python3 bench/det/conv_onednn_check.py
# (ONEDNN_VERBOSE=1 shows the kernels: jit:avx512_core with blocked layouts, as in libtorch 2.7.1).
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_num_threads(2)
print(torch.__version__, "mkldnn available:", torch.backends.mkldnn.is_available())
for ic, oc in [(256, 4), (24, 16), (16, 4), (256, 16)]:
    for mk in [True, False]:
        torch.backends.mkldnn.enabled = mk
        x = torch.randn(2, ic, 16, 16, dtype=torch.float64)
        w = torch.randn(oc, ic, 3, 3, dtype=torch.float64)
        r = torch.randn(2, oc, 16, 16, dtype=torch.float64)
        xf = x.float().requires_grad_()
        y = F.conv2d(xf, w.float(), padding=1)
        (y * r.float()).sum().backward()
        xd = x.clone().requires_grad_()
        yd = F.conv2d(xd, w, padding=1)
        (yd * r).sum().backward()
        print(
            f"{ic} -> {oc} {'oneDNN' if mk else 'own kernels'}:"
            f" forward error {(y.double() - yd).abs().max().item():.1e},"
            f" input gradient error {(xf.grad.double() - xd.grad).abs().max().item():.1e}"
            f" (largest {xd.grad.abs().max().item():.1e})"
        )
