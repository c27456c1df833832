package io.sarmae.trainer.finetune;

import ai.djl.nn.Parameter;
import java.util.HashMap;
import java.util.Map;

/**
 * Layer-wise learning-rate decay and weight-decay groups of MAE fine-tuning ({@code
 * util/lr_decay.param_groups_lrd}, §6.6): with {@code n = depth + 1}, layer id 0 for {@code
 * cls_token}, {@code pos_embed} and {@code patch_embed.*}, {@code i + 1} for {@code blocks.i.*} and
 * {@code n} for everything after the blocks; {@code lr_scale(id) = decay^(n - id)}. No weight decay
 * for 1-D tensors, {@code pos_embed} and {@code cls_token}.
 */
public final class LayerDecay {
  private LayerDecay() {}

  /**
   * The layer id of a timm parameter name in a ViT of {@code depth} blocks; the segmenter's encoder
   * names carry a {@code backbone.} prefix (its neck and heads count as the head).
   */
  public static int layerId(String name, int depth) {
    name = encoderName(name);
    if (name.equals("cls_token") || name.equals("pos_embed") || name.startsWith("patch_embed.")) {
      return 0;
    }
    if (name.startsWith("blocks.")) {
      int end = name.indexOf('.', "blocks.".length());
      return Integer.parseInt(name.substring("blocks.".length(), end)) + 1;
    }
    return depth + 1;
  }

  private static String encoderName(String name) {
    return name.startsWith("backbone.") ? name.substring("backbone.".length()) : name;
  }

  /** {@code decay^(depth + 1 - layerId(name))}. */
  public static double scale(String name, int depth, double decay) {
    return Math.pow(decay, depth + 1 - layerId(name, depth));
  }

  /** Whether the reference decays this parameter (not 1-D, not a token or position embedding). */
  public static boolean decays(String name, int rank) {
    name = encoderName(name);
    return rank > 1 && !name.equals("pos_embed") && !name.equals("cls_token");
  }

  /** Learning-rate multipliers by DJL parameter id, trainable parameters only. */
  public static Map<String, Float> lrScales(Map<String, Parameter> named, int depth, double decay) {
    Map<String, Float> out = new HashMap<>();
    named.forEach(
        (name, p) -> {
          if (p.requiresGradient()) {
            out.put(p.getId(), (float) scale(name, depth, decay));
          }
        });
    return out;
  }

  /** Weight decay by DJL parameter id, trainable parameters only. */
  public static Map<String, Float> weightDecays(Map<String, Parameter> named, double weightDecay) {
    Map<String, Float> out = new HashMap<>();
    named.forEach(
        (name, p) -> {
          if (p.requiresGradient()) {
            boolean decay = decays(name, p.getShape().dimension());
            out.put(p.getId(), decay ? (float) weightDecay : 0f);
          }
        });
    return out;
  }
}
