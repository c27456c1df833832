package io.sarmae.trainer.model.seg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;
import io.sarmae.trainer.model.FixedShapeBlock;
import io.sarmae.trainer.model.Norm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The multi-level neck of the MAE/BEiT UperNet recipe (mmseg {@code Feature2Pyramid}; SARMAE's
 * {@code fpn1..fpn4}): four stride-{@code p} ViT maps become a pyramid, level {@code i} rescaled by
 * {@link #rescales}{@code [i]} with the channel count kept:
 *
 * <ul>
 *   <li>{@code 2^k > 1}: {@code k} transposed convs (kernel 2, stride 2), each but the first
 *       preceded by a channel LayerNorm (eps 1e-6, SARMAE's {@code Norm2d}) and GELU; for patch 16
 *       level 0 is {@code ConvT -> LN -> GELU -> ConvT} and level 1 one {@code ConvT};
 *   <li>{@code 1}: identity;
 *   <li>{@code 1/m}: {@code MaxPool(m, m)}.
 * </ul>
 *
 * Reference names are {@code fpn1.0.weight, fpn1.1.weight (LN), fpn1.3.weight, fpn2.0.weight...},
 * the indices of the equivalent {@code nn.Sequential}.
 */
public final class FeaturePyramid extends FixedShapeBlock {

  /** The strides (in input pixels) the pyramid aims at. */
  public static final int[] TARGET_STRIDES = {4, 8, 16, 32};

  private final int dim;
  private final double[] rescales;
  private final List<List<FixedShapeBlock>> levels = new ArrayList<>();

  public FeaturePyramid(int dim, double[] rescales) {
    this.dim = dim;
    this.rescales = rescales.clone();
    for (int i = 0; i < rescales.length; i++) {
      List<FixedShapeBlock> ops = new ArrayList<>();
      int ups = upsamplings(rescales[i]);
      for (int j = 0; j < ups; j++) {
        if (j > 0) {
          ops.add(addChildBlock("fpn" + (i + 1) + "_norm" + j, new Norm(dim, 1e-6f)));
        }
        ops.add(addChildBlock("fpn" + (i + 1) + "_deconv" + j, new Deconv2x(dim)));
      }
      levels.add(ops);
      if (rescales[i] < 1 && poolSize(rescales[i]) < 2) {
        throw new IllegalArgumentException("rescale " + rescales[i] + " is not 1/m");
      }
    }
  }

  /**
   * The rescale factors for patch size {@code p} so that the levels sit at strides 4, 8, 16, 32 of
   * the input: {@code p / stride}. A power-of-two patch always gets there (patch 16: 4, 2, 1, 1/2;
   * patch 8: 2, 1, 1/2, 1/4; patch 32: 8, 4, 2, 1). Any other patch size (e.g. 14) gets the
   * patch-16 factors 4, 2, 1, 1/2, i.e. strides p/4, p/2, p, 2p; the head resizes to the input
   * anyway.
   */
  public static double[] rescales(int patchSize) {
    if (Integer.bitCount(patchSize) != 1) {
      return new double[] {4, 2, 1, 0.5};
    }
    double[] r = new double[TARGET_STRIDES.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = (double) patchSize / TARGET_STRIDES[i];
    }
    return r;
  }

  private static int upsamplings(double rescale) {
    if (rescale <= 1) {
      return 0;
    }
    int k = (int) Math.round(Math.log(rescale) / Math.log(2));
    if (Math.abs(Math.pow(2, k) - rescale) > 1e-9) {
      throw new IllegalArgumentException("rescale " + rescale + " is not a power of two");
    }
    return k;
  }

  private static int poolSize(double rescale) {
    return (int) Math.round(1 / rescale);
  }

  /** Four maps {@code (B, D, h, w)} -> level {@code i} {@code (B, D, h*r_i, w*r_i)}. */
  public List<NDArray> apply(ParameterStore ps, List<NDArray> taps, boolean training) {
    if (taps.size() != rescales.length) {
      throw new IllegalArgumentException(
          "expected " + rescales.length + " feature maps, got " + taps.size());
    }
    List<NDArray> out = new ArrayList<>();
    for (int i = 0; i < rescales.length; i++) {
      NDArray x = taps.get(i); // (B, D, h, w)
      if (rescales[i] < 1) {
        int m = poolSize(rescales[i]);
        x = Pool.maxPool2d(x, new Shape(m, m), new Shape(m, m), new Shape(0, 0), false);
      }
      for (FixedShapeBlock op : levels.get(i)) {
        if (op instanceof Deconv2x deconv) {
          x = deconv.apply(ps, x, training); // (B, D, 2h, 2w)
        } else {
          x = Activation.gelu(channelNorm(ps, (Norm) op, x, training));
        }
      }
      out.add(x);
    }
    return out;
  }

  /** LayerNorm over channels of a {@code (B, C, H, W)} map (timm's {@code LayerNorm2d}). */
  public static NDArray channelNorm(ParameterStore ps, Norm norm, NDArray x, boolean training) {
    return norm.apply(ps, x.transpose(0, 2, 3, 1), training).transpose(0, 3, 1, 2);
  }

  public double[] rescalesUsed() {
    return rescales.clone();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(apply(parameterStore, inputs, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] out = new Shape[inputShapes.length];
    for (int i = 0; i < out.length; i++) {
      Shape s = inputShapes[i];
      double r = rescales[i];
      out[i] = new Shape(s.get(0), dim, (long) (s.get(2) * r), (long) (s.get(3) * r));
    }
    return out;
  }

  @Override
  public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
    for (int i = 0; i < levels.size(); i++) {
      int index = 0;
      for (FixedShapeBlock op : levels.get(i)) {
        if (op instanceof Norm) {
          op.collectReferenceParameters(prefix + "fpn" + (i + 1) + "." + index + ".", out);
          index += 2; // LayerNorm2d, GELU
        } else {
          op.collectReferenceParameters(prefix + "fpn" + (i + 1) + "." + index + ".", out);
          index += 1;
        }
      }
    }
  }

  /**
   * {@code nn.ConvTranspose2d(in, out, kernel 2, stride 2)}, weight {@code (in, out, 2, 2)} as
   * PyTorch, PyTorch's default init {@code U(+-1/sqrt(out * 4))} for weight and bias (PyTorch takes
   * a transposed conv's fan-in from the weight's second axis).
   */
  public static final class Deconv2x extends FixedShapeBlock {
    private final Parameter weight;
    private final Parameter bias;

    Deconv2x(int dim) {
      this(dim, dim);
    }

    /** {@code in} to {@code out} channels (ViTDet halves the channels at each upsampling). */
    public Deconv2x(int in, int out) {
      int dim = out;
      float bound = (float) (1.0 / Math.sqrt(dim * 4.0));
      weight =
          addParameter(
              Parameter.builder()
                  .setName("weight")
                  .setType(Parameter.Type.WEIGHT)
                  .optShape(new Shape(in, out, 2, 2))
                  .optInitializer(new UniformInitializer(bound))
                  .build());
      bias =
          addParameter(
              Parameter.builder()
                  .setName("bias")
                  .setType(Parameter.Type.BIAS)
                  .optShape(new Shape(dim))
                  .optInitializer(new UniformInitializer(bound))
                  .build());
    }

    /**
     * Kernel 2 = stride 2, so output windows do not overlap: {@code out[o, 2i+a, 2j+b] = sum_c x[c,
     * i, j] W[c, o, a, b] + bias[o]}, one matrix product (DJL's PyTorch engine does not implement
     * {@code conv2dTranspose}).
     */
    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
      Shape s = x.getShape();
      long batch = s.get(0);
      long in = s.get(1);
      long h = s.get(2);
      long w = s.get(3);
      NDArray kernel = ps.getValue(weight, x.getDevice(), training); // (C, O, 2, 2)
      long out = kernel.getShape().get(1);
      NDArray k2 = SegTensors.paramView(x, kernel, in, out * 4); // (C, O*4)
      NDArray b = SegTensors.paramView(x, ps.getValue(bias, x.getDevice(), training), 1, out, 1, 1);
      NDArray y =
          x.transpose(0, 2, 3, 1) // (B, h, w, C)
              .matMul(k2) // (B, h, w, O*4)
              .reshape(batch, h, w, out, 2, 2) // (B, h, w, O, a, b)
              .transpose(0, 3, 1, 4, 2, 5) // (B, O, h, a, w, b)
              .reshape(batch, out, 2 * h, 2 * w); // (B, O, 2h, 2w)
      return y.add(b); // (B, O, 2h, 2w)
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore parameterStore,
        NDList inputs,
        boolean training,
        PairList<String, Object> params) {
      return new NDList(apply(parameterStore, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape s = inputShapes[0];
      return new Shape[] {
        new Shape(s.get(0), weight.getShape().get(1), s.get(2) * 2, s.get(3) * 2)
      };
    }

    @Override
    public void collectReferenceParameters(String prefix, Map<String, Parameter> out) {
      out.put(prefix + "weight", weight);
      out.put(prefix + "bias", bias);
    }
  }
}
