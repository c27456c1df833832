package io.sarmae.trainer.weights;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Renaming for {@code weights convert}: which tensors of a file go out under which names. */
public enum Conversion {
  /** The ViT encoder under timm names: loads into {@code timm vit_*_patch16_224(num_classes=0)}. */
  TIMM,
  /** The whole MAE (encoder, decoder, mask token) under the MAE repository's names. */
  MAE,
  /** The SARMAE pretraining wrapper's names ({@code sar_encoder.}, ...). */
  SARMAE,
  /** Every tensor under its own name (wrapper prefixes removed): a container change only. */
  SAME;

  /** Parses {@code timm|mae|sarmae|same}. */
  public static Conversion parse(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new WeightsException("--to must be timm, mae, sarmae or same, got '" + s + "'");
    }
  }

  /** Output name to tensor, in file order. */
  public Map<String, StoredTensor> select(WeightsFile file) {
    KeyMapping.Layout layout = KeyMapping.detect(file.tensors().keySet());
    if (this != SAME && layout != KeyMapping.Layout.MAE && layout != KeyMapping.Layout.SARMAE) {
      throw new WeightsException(
          file.path()
              + " has a "
              + layout
              + " layout; --to "
              + name().toLowerCase(Locale.ROOT)
              + " needs MAE/timm or SARMAE names (use --to same to only change the container)");
    }
    Map<String, StoredTensor> out = new LinkedHashMap<>();
    file.tensors()
        .forEach(
            (key, t) -> {
              String name =
                  switch (this) {
                    case SAME -> KeyMapping.strip(key);
                    case SARMAE -> KeyMapping.map(key, layout, KeyMapping.Target.SARMAE);
                    case MAE -> KeyMapping.map(key, layout, KeyMapping.Target.MAE);
                    case TIMM -> {
                      String mae = KeyMapping.map(key, layout, KeyMapping.Target.MAE);
                      yield mae != null && KeyMapping.isEncoderKey(mae) ? mae : null;
                    }
                  };
              if (name != null) {
                out.put(name, t);
              }
            });
    if (out.isEmpty()) {
      throw new WeightsException(file.path() + ": nothing to convert for --to " + this);
    }
    return out;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
