package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.ops.Attention;
import java.util.Map;

/**
 * Pre-norm ViT block (timm 0.6.13 {@code Block}, §1.2): {@code y = x + Attn(LN1(x))}, {@code out =
 * y + MLP(LN2(y))}. DJL's {@code TransformerEncoderBlock} is post-norm, hence this class.
 *
 * <p>Attention uses one fused qkv Linear {@code [3d, d]} whose output splits as {@code [q | k |
 * v]}, each reshaped to {@code h} heads of {@code hd} contiguous channels, and {@code softmax((q *
 * hd^-0.5) k^T)} over keys. The MLP is {@code fc2(GELU(fc1(x)))} with the exact erf GELU (DJL's
 * PyTorch {@code gelu} calls {@code torch::nn::functional::gelu} with approximate="none").
 */
public final class TransformerBlock extends UnaryBlock {

  private final int dim;
  private final int heads;
  private final float scale;
  private final Norm norm1;
  private final Dense qkv;
  private final Dense proj;
  private final Norm norm2;
  private final Dense fc1;
  private final Dense fc2;

  public TransformerBlock(int dim, int heads, int mlpRatio, float eps) {
    if (dim % heads != 0) {
      throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads);
    }
    this.dim = dim;
    this.heads = heads;
    this.scale = (float) Math.pow((double) dim / heads, -0.5);
    norm1 = addChildBlock("norm1", new Norm(dim, eps));
    qkv = addChildBlock("qkv", new Dense(dim, 3 * dim));
    proj = addChildBlock("proj", new Dense(dim, dim));
    norm2 = addChildBlock("norm2", new Norm(dim, eps));
    fc1 = addChildBlock("fc1", new Dense(dim, mlpRatio * dim));
    fc2 = addChildBlock("fc2", new Dense(mlpRatio * dim, dim));
  }

  /** {@code (B, N, d) -> (B, N, d)}. */
  @Override
  public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
    NDArray y = x.add(attention(ps, norm1.apply(ps, x, training), training)); // (B, N, d)
    NDArray h = fc1.apply(ps, norm2.apply(ps, y, training), training); // (B, N, 4d)
    h = fc2.apply(ps, Activation.gelu(h), training); // (B, N, d)
    return y.add(h); // (B, N, d)
  }

  /**
   * The block with stochastic depth (timm {@code DropPath}, used in fine-tuning): each residual
   * branch is multiplied per sample by {@code dropScale}, {@code (B, 1, 1)} holding 0 for a dropped
   * sample and {@code 1/keepProb} for a kept one (the caller draws it, so randomness stays
   * reproducible); null means no drop path.
   */
  public NDArray apply(
      ParameterStore ps, NDArray x, boolean training, NDArray attnScale, NDArray mlpScale) {
    if (attnScale == null && mlpScale == null) {
      return apply(ps, x, training);
    }
    NDArray a = attention(ps, norm1.apply(ps, x, training), training); // (B, N, d)
    NDArray y = x.add(attnScale == null ? a : a.mul(attnScale)); // (B, N, d)
    NDArray h = fc1.apply(ps, norm2.apply(ps, y, training), training); // (B, N, 4d)
    h = fc2.apply(ps, Activation.gelu(h), training); // (B, N, d)
    return y.add(mlpScale == null ? h : h.mul(mlpScale)); // (B, N, d)
  }

  /** Multi-head self-attention on already normalised tokens. */
  NDArray attention(ParameterStore ps, NDArray z, boolean training) {
    Shape s = z.getShape();
    long batch = s.get(0);
    long tokens = s.get(1);
    long headDim = dim / heads;
    // One split into q, k and v, not three selects: the backward of a split is one concatenation
    // of the three gradients, where each select's backward zero-fills a full (3, B, h, N, hd)
    // buffer and autograd then sums the three (about 1 % of a ViT-B step, docs/performance.md).
    NDList qkvSplit =
        qkv.apply(ps, z, training) // (B, N, 3d)
            .reshape(batch, tokens, 3, heads, headDim) // (B, N, 3, h, hd)
            .transpose(2, 0, 3, 1, 4) // (3, B, h, N, hd)
            .split(3, 0); // 3 x (1, B, h, N, hd)
    NDArray q = qkvSplit.get(0).squeeze(0); // (B, h, N, hd)
    NDArray k = qkvSplit.get(1).squeeze(0);
    NDArray v = qkvSplit.get(2).squeeze(0);
    NDArray mixed;
    if (Attention.fused()) {
      // 4-D: libtorch's CPU flash kernel takes only (B, h, N, hd); 3-D inputs make it fall back
      // to its math path, a materialised softmax like the plain one below.
      mixed = Attention.fusedAttention(q, k, v, scale); // (B, h, N, hd)
    } else {
      q = q.reshape(batch * heads, tokens, headDim); // (B*h, N, hd)
      k = k.reshape(batch * heads, tokens, headDim); // (B*h, N, hd)
      v = v.reshape(batch * heads, tokens, headDim); // (B*h, N, hd)
      // The scale is a tensor on the activation's manager: a Java number here would be wrapped in
      // a temporary that can be freed before backward (TOOLCHAIN.md).
      NDArray scaleT = z.getManager().create(scale).toType(z.getDataType(), false);
      NDArray attn = q.mul(scaleT).batchMatMul(k.transpose(0, 2, 1)).softmax(-1); // (B*h, N, N)
      mixed = attn.batchMatMul(v); // (B*h, N, hd)
    }
    NDArray out =
        mixed
            .reshape(batch, heads, tokens, headDim) // (B, h, N, hd) from either branch
            .transpose(0, 2, 1, 3) // (B, N, h, hd)
            .reshape(batch, tokens, dim); // (B, N, d)
    return proj.apply(ps, out, training); // (B, N, d)
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    norm1.collectReferenceParameters(prefix + "norm1.", out);
    qkv.collectReferenceParameters(prefix + "attn.qkv.", out);
    proj.collectReferenceParameters(prefix + "attn.proj.", out);
    norm2.collectReferenceParameters(prefix + "norm2.", out);
    fc1.collectReferenceParameters(prefix + "mlp.fc1.", out);
    fc2.collectReferenceParameters(prefix + "mlp.fc2.", out);
  }
}
