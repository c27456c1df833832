package io.sarmae.trainer.weights;

import java.util.Collection;
import java.util.Locale;

/**
 * How tensor names in a file map to this trainer's parameters. The trainer's parameters already
 * carry the reference PyTorch names ({@code referenceStateDict()}), so mapping is a matter of
 * recognising the file's layout and adding or removing prefixes:
 *
 * <ul>
 *   <li>{@link Layout#MAE}: timm / MAE ViT names ({@code cls_token}, {@code patch_embed.proj.*},
 *       {@code blocks.N.attn.qkv.*}, {@code norm.*}, and the MAE decoder's {@code decoder_*},
 *       {@code mask_token}), as in {@code mae_pretrain_vit_base.pth} and timm ViTs;
 *   <li>{@link Layout#SARMAE}: the SARMAE pretraining wrapper ({@code sar_encoder.*}, {@code
 *       optical_encoder.*}, {@code sar_alignment_ffn.*}), as in the released SARMAE checkpoints and
 *       this trainer's checkpoint folders;
 *   <li>{@link Layout#DINOV3}: Meta's DINOv3 ViT names ({@code storage_tokens}, {@code
 *       rope_embed.periods}, {@code blocks.N.ls1.gamma}, ...), flat or under {@code backbone.} in a
 *       training checkpoint's {@code teacher}.
 * </ul>
 *
 * A {@code module.} prefix (DistributedDataParallel) and {@code _orig_mod.} (torch.compile) are
 * removed everywhere.
 */
public final class KeyMapping {

  private KeyMapping() {}

  /** The naming scheme of a file. */
  public enum Layout {
    MAE,
    SARMAE,
    DINOV3,
    UNKNOWN;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What a model expects: a MAE (encoder and decoder), the pretraining wrapper, or DINOv3. */
  public enum Target {
    /** {@link io.sarmae.trainer.model.MaskedAutoencoderViT#referenceStateDict()} names. */
    MAE,
    /** {@link io.sarmae.trainer.model.SarmaePretrainModel#referenceStateDict()} names. */
    SARMAE,
    /** {@link io.sarmae.trainer.model.Dinov3Vit} names (Meta's). */
    DINOV3
  }

  /** Removes wrapper prefixes that never carry meaning ({@code module.}, {@code _orig_mod.}). */
  public static String strip(String key) {
    String k = key;
    boolean changed = true;
    while (changed) {
      changed = false;
      for (String p : new String[] {"module.", "_orig_mod."}) {
        if (k.startsWith(p)) {
          k = k.substring(p.length());
          changed = true;
        }
      }
    }
    return k;
  }

  /** Recognises the layout of a set of tensor names. */
  public static Layout detect(Collection<String> keys) {
    boolean sarmae = false;
    boolean dino = false;
    boolean mae = false;
    for (String raw : keys) {
      String k = strip(raw);
      if (k.startsWith("sar_encoder.")
          || k.startsWith("optical_encoder.")
          || k.startsWith("sar_alignment_ffn.")) {
        sarmae = true;
      }
      String d = k.startsWith("backbone.") ? k.substring("backbone.".length()) : k;
      if (d.equals("storage_tokens")
          || d.startsWith("rope_embed.")
          || d.matches("blocks\\.\\d+\\.ls1\\.gamma")) {
        dino = true;
      }
      if (k.startsWith("patch_embed.proj.") || k.startsWith("blocks.") || k.equals("cls_token")) {
        mae = true;
      }
    }
    if (sarmae) {
      return Layout.SARMAE;
    }
    if (dino) {
      return Layout.DINOV3;
    }
    return mae ? Layout.MAE : Layout.UNKNOWN;
  }

  /**
   * The parameter name a file tensor loads into for a target, or null if the tensor is not used
   * (e.g. an optimizer entry, the optical branch when only the MAE is loaded, a timm head).
   */
  public static String map(String fileKey, Layout layout, Target target) {
    String k = strip(fileKey);
    return switch (target) {
      case MAE -> {
        if (layout == Layout.SARMAE) {
          yield k.startsWith("sar_encoder.") ? k.substring("sar_encoder.".length()) : null;
        }
        yield layout == Layout.MAE ? k : null;
      }
      case SARMAE -> {
        if (layout == Layout.SARMAE) {
          yield k;
        }
        yield layout == Layout.MAE ? "sar_encoder." + k : null;
      }
      case DINOV3 -> {
        if (layout != Layout.DINOV3) {
          yield null;
        }
        yield k.startsWith("backbone.") ? k.substring("backbone.".length()) : k;
      }
    };
  }

  /**
   * The inverse for export: a SARMAE wrapper name to a timm/MAE name, or null if not part of it.
   */
  public static String toTimm(String sarmaeKey, boolean encoderOnly) {
    if (!sarmaeKey.startsWith("sar_encoder.")) {
      return null;
    }
    String k = sarmaeKey.substring("sar_encoder.".length());
    if (encoderOnly && !isEncoderKey(k)) {
      return null;
    }
    return k;
  }

  /** True for the ViT encoder part of MAE/timm names (what a timm ViT without head holds). */
  public static boolean isEncoderKey(String timmKey) {
    return timmKey.equals("cls_token")
        || timmKey.equals("pos_embed")
        || timmKey.startsWith("patch_embed.")
        || timmKey.startsWith("blocks.")
        || timmKey.startsWith("norm.");
  }
}
