package io.sarmae.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.ops.Attention;
import io.sarmae.trainer.ops.Precision;
import java.util.Map;

/**
 * One DINOv3 transformer block ({@code SelfAttentionBlock}): pre-norm attention and MLP, each
 * residual branch scaled by a LayerScale vector: {@code y = x + ls1 * Attn(LN1(x))}, {@code out = y
 * + ls2 * MLP(LN2(y))}. The attention applies rotary position embedding to q and k of the patch
 * tokens only (the cls and storage tokens in front are left as they are), and, with {@code
 * maskKBias}, uses {@code qkv.bias * qkv.bias_mask} (the k part of the bias masked to zero).
 */
public final class Dinov3Block extends FixedShapeBlock {

  private final int dim;
  private final int heads;
  private final float scale;
  private final boolean maskKBias;
  private final Norm norm1;
  private final Dense qkv;
  private final Parameter biasMask;
  private final Dense proj;
  private final Parameter ls1;
  private final Norm norm2;
  private final Dense fc1;
  private final Dense fc2;
  private final Parameter ls2;

  public Dinov3Block(Dinov3Spec spec) {
    dim = spec.embedDim();
    heads = spec.heads();
    scale = (float) Math.pow(spec.headDim(), -0.5);
    maskKBias = spec.maskKBias();
    Initializer linear = new NormalInitializer(0.02f);
    norm1 = addChildBlock("norm1", new Norm(dim, spec.eps()));
    qkv = addChildBlock("qkv", new Dense(dim, 3 * dim, linear));
    biasMask =
        maskKBias
            ? addParameter(
                buffer(
                    "bias_mask",
                    Parameter.Type.OTHER,
                    new Shape(3L * dim),
                    (m, shape, type) -> {
                      float[] v = new float[3 * dim];
                      for (int i = 0; i < v.length; i++) {
                        v[i] = i >= dim && i < 2 * dim ? 0f : 1f;
                      }
                      return m.create(v, shape).toType(type, false);
                    }))
            : null;
    proj = addChildBlock("proj", new Dense(dim, dim, linear));
    ls1 = addParameter(layerScale("ls1_gamma", dim));
    norm2 = addChildBlock("norm2", new Norm(dim, spec.eps()));
    fc1 = addChildBlock("fc1", new Dense(dim, spec.ffnHidden(), linear));
    fc2 = addChildBlock("fc2", new Dense(spec.ffnHidden(), dim, linear));
    ls2 = addParameter(layerScale("ls2_gamma", dim));
  }

  private static Parameter layerScale(String name, int dim) {
    return parameter(
        name,
        Parameter.Type.WEIGHT,
        new Shape(dim),
        (m, shape, type) -> m.full(shape, 1e-5f, type));
  }

  /**
   * {@code (B, N, d) -> (B, N, d)}.
   *
   * @param sin RoPE sines of the patch tokens {@code (L, hd)}, L = N minus the prefix tokens
   * @param cos RoPE cosines {@code (L, hd)}
   */
  public NDArray apply(ParameterStore ps, NDArray x, NDArray sin, NDArray cos, boolean training) {
    NDArray gamma1 = ps.getValue(ls1, x.getDevice(), training); // (d)
    NDArray gamma2 = ps.getValue(ls2, x.getDevice(), training); // (d)
    NDArray a = attention(ps, norm1.apply(ps, x, training), sin, cos, training); // (B, N, d)
    NDArray y = x.add(a.mul(gamma1)); // (B, N, d)
    NDArray h = fc1.apply(ps, norm2.apply(ps, y, training), training); // (B, N, 4d)
    h = fc2.apply(ps, Activation.gelu(h), training); // (B, N, d)
    return y.add(h.mul(gamma2)); // (B, N, d)
  }

  private NDArray attention(
      ParameterStore ps, NDArray z, NDArray sin, NDArray cos, boolean training) {
    Shape s = z.getShape();
    long batch = s.get(0);
    long tokens = s.get(1);
    long headDim = dim / heads;
    NDArray w = ps.getValue(qkv.weight(), z.getDevice(), training); // (3d, d)
    NDArray b = ps.getValue(qkv.bias(), z.getDevice(), training); // (3d)
    if (maskKBias) {
      NDArray mask = ps.getValue(biasMask, z.getDevice(), training); // (3d)
      b = Tensors.ownedBy(z, b.mul(mask)); // (3d), k part zero
    }
    NDArray qkvHeads =
        Precision.linear(z, w, b) // (B, N, 3d)
            .reshape(batch, tokens, 3, heads, headDim) // (B, N, 3, h, hd)
            .transpose(2, 0, 3, 1, 4); // (3, B, h, N, hd)
    NDArray q = rope(qkvHeads.get(0), sin, cos); // (B, h, N, hd)
    NDArray k = rope(qkvHeads.get(1), sin, cos); // (B, h, N, hd)
    NDArray v = qkvHeads.get(2); // (B, h, N, hd)
    NDArray mixed;
    if (Attention.fused()) {
      mixed = Attention.fusedAttention(q, k, v, scale); // (B, h, N, hd)
    } else {
      NDArray scaleT = z.getManager().create(scale).toType(z.getDataType(), false);
      NDArray attn = q.mul(scaleT).matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // (B, h, N, N)
      mixed = attn.matMul(v); // (B, h, N, hd)
    }
    NDArray out =
        mixed
            .transpose(0, 2, 1, 3) // (B, N, h, hd)
            .reshape(batch, tokens, dim); // (B, N, d)
    return proj.apply(ps, out, training); // (B, N, d)
  }

  /**
   * Rotates the last {@code L} tokens: {@code x * cos + rotateHalf(x) * sin}, with {@code
   * rotateHalf([x1, x2]) = [-x2, x1]} over the head dimension.
   */
  static NDArray rope(NDArray x, NDArray sin, NDArray cos) {
    long tokens = x.getShape().get(2);
    long prefix = tokens - sin.getShape().get(0);
    long half = x.getShape().get(3) / 2;
    NDArray patches = x.get(new NDIndex(":, :, {}:, :", prefix)); // (B, h, L, hd)
    NDArray rotated =
        NDArrays.concat(
            new NDList(
                patches.get(new NDIndex("..., {}:", half)).neg(),
                patches.get(new NDIndex("..., :{}", half))),
            -1); // (B, h, L, hd)
    NDArray turned = patches.mul(cos).add(rotated.mul(sin)); // (B, h, L, hd)
    if (prefix == 0) {
      return turned;
    }
    return NDArrays.concat(
        new NDList(x.get(new NDIndex(":, :, :{}, :", prefix)), turned), 2); // (B, h, N, hd)
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs.get(0), inputs.get(1), inputs.get(2), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    norm1.collectReferenceParameters(prefix + "norm1.", out);
    qkv.collectReferenceParameters(prefix + "attn.qkv.", out);
    if (maskKBias) {
      out.put(prefix + "attn.qkv.bias_mask", biasMask);
    }
    proj.collectReferenceParameters(prefix + "attn.proj.", out);
    out.put(prefix + "ls1.gamma", ls1);
    norm2.collectReferenceParameters(prefix + "norm2.", out);
    fc1.collectReferenceParameters(prefix + "mlp.fc1.", out);
    fc2.collectReferenceParameters(prefix + "mlp.fc2.", out);
    out.put(prefix + "ls2.gamma", ls2);
  }
}
