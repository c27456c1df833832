package io.sarmae.trainer.model;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shape of a DINOv3 ViT (facebookresearch/dinov3 {@code DinoVisionTransformer} with an MLP FFN):
 * patch size, width, depth, heads, FFN width, storage (register) tokens, whether the qkv bias has
 * its k part masked out, and the LayerNorm epsilon.
 */
public record Dinov3Spec(
    int patchSize,
    int embedDim,
    int depth,
    int heads,
    int ffnHidden,
    int storageTokens,
    boolean maskKBias,
    float eps) {

  /** DINOv3's RoPE base for all released ViTs. */
  public static final float ROPE_BASE = 100f;

  /** The released ViTs use {@code layernormbf16}: {@code nn.LayerNorm(eps=1e-5)}. */
  public static final float RELEASED_EPS = 1e-5f;

  public Dinov3Spec {
    if (embedDim % heads != 0 || (embedDim / heads) % 4 != 0) {
      throw new IllegalArgumentException(
          "DINOv3 width " + embedDim + " must split into " + heads + " heads of a multiple of 4");
    }
  }

  /** {@code dinov3_vitb16}: patch 16, 768 wide, 12 blocks of 12 heads, 4 storage tokens. */
  public static Dinov3Spec vitb16() {
    return new Dinov3Spec(16, 768, 12, 12, 3072, 4, true, RELEASED_EPS);
  }

  public int headDim() {
    return embedDim / heads;
  }

  /**
   * Reads the architecture from the tensor shapes of a DINOv3 state dict (Meta's names, without
   * prefix): the width from {@code cls_token}, the patch from {@code patch_embed.proj.weight}, the
   * heads from {@code rope_embed.periods} (head dim / 4 entries), the depth from the blocks.
   *
   * @throws IllegalArgumentException naming what is missing or unsupported
   */
  public static Dinov3Spec fromShapes(Map<String, long[]> shapes) {
    long[] cls = require(shapes, "cls_token");
    long[] patch = require(shapes, "patch_embed.proj.weight");
    long[] periods = require(shapes, "rope_embed.periods");
    long[] fc1 = shapes.get("blocks.0.mlp.fc1.weight");
    if (fc1 == null) {
      if (shapes.containsKey("blocks.0.mlp.w1.weight")) {
        throw new IllegalArgumentException(
            "this DINOv3 uses a SwiGLU FFN (blocks.N.mlp.w1/w2/w3, e.g. ViT-7B or ViT-H+), which is"
                + " not implemented; ViT-S/B/L with the MLP FFN are");
      }
      throw new IllegalArgumentException("DINOv3 weights lack blocks.0.mlp.fc1.weight");
    }
    if (shapes.containsKey("cls_norm.weight")) {
      throw new IllegalArgumentException(
          "this DINOv3 unties the cls and patch norms (cls_norm.*), which is not implemented");
    }
    int depth = 0;
    int blocks = 0;
    Pattern block = Pattern.compile("blocks\\.(\\d{1,6})\\.norm1\\.weight");
    for (String k : shapes.keySet()) {
      Matcher m = block.matcher(k);
      if (m.matches()) {
        depth = Math.max(depth, Integer.parseInt(m.group(1)) + 1);
        blocks++;
      }
    }
    long[] storage = shapes.get("storage_tokens");
    // Hostile or broken files (issue 12): every shape read below must exist and make sense.
    if (blocks != depth
        || cls.length == 0
        || patch.length != 4
        || periods.length != 1
        || periods[0] <= 0
        || fc1.length != 2
        || storage != null && storage.length != 3) {
      throw new IllegalArgumentException(
          "DINOv3 weights with impossible shapes or block numbering (blocks "
              + blocks
              + " of "
              + depth
              + ", cls_token "
              + java.util.Arrays.toString(cls)
              + ", patch_embed.proj.weight "
              + java.util.Arrays.toString(patch)
              + ", rope_embed.periods "
              + java.util.Arrays.toString(periods)
              + ")");
    }
    int dim = (int) cls[cls.length - 1];
    int headDim = (int) periods[0] * 4;
    if (dim <= 0 || dim % headDim != 0) {
      throw new IllegalArgumentException(
          "DINOv3 width " + dim + " is not a multiple of the head dimension " + headDim);
    }
    return new Dinov3Spec(
        (int) patch[2],
        dim,
        depth,
        dim / headDim,
        (int) fc1[0],
        storage == null ? 0 : (int) storage[1],
        shapes.containsKey("blocks.0.attn.qkv.bias_mask"),
        RELEASED_EPS);
  }

  private static long[] require(Map<String, long[]> shapes, String key) {
    long[] s = shapes.get(key);
    if (s == null) {
      throw new IllegalArgumentException("DINOv3 weights lack " + key);
    }
    return s;
  }
}
