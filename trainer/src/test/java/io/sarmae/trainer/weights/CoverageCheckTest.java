package io.sarmae.trainer.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A file that only partly covers the encoder is named in one line, not loaded half-random. */
class CoverageCheckTest {
  private static final String[] BLOCK_TENSORS = {
    "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
    "attn.proj.bias", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias",
    "mlp.fc2.weight", "mlp.fc2.bias"
  };

  /** The timm names and shapes of a ViT encoder of width d and the given depth (patch 8). */
  static Map<String, long[]> encoder(String prefix, int depth, long d) {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put(prefix + "cls_token", new long[] {1, 1, d});
    m.put(prefix + "patch_embed.proj.weight", new long[] {d, 3, 8, 8});
    m.put(prefix + "patch_embed.proj.bias", new long[] {d});
    for (int i = 0; i < depth; i++) {
      for (String t : BLOCK_TENSORS) {
        long[] shape =
            switch (t) {
              case "attn.qkv.weight" -> new long[] {3 * d, d};
              case "attn.qkv.bias" -> new long[] {3 * d};
              case "attn.proj.weight" -> new long[] {d, d};
              case "mlp.fc1.weight" -> new long[] {4 * d, d};
              case "mlp.fc1.bias" -> new long[] {4 * d};
              case "mlp.fc2.weight" -> new long[] {d, 4 * d};
              default -> new long[] {d};
            };
        m.put(prefix + "blocks." + i + "." + t, shape);
      }
    }
    m.put(prefix + "norm.weight", new long[] {d});
    m.put(prefix + "norm.bias", new long[] {d});
    return m;
  }

  private static final Function<String, String> STRIP =
      k ->
          k.startsWith("sar_encoder.")
              ? k.substring("sar_encoder.".length())
              : k.contains(".blocks.") ? null : k;

  @Test
  void aShallowerFileIsRefusedWithDepthsAndTheMissingBlockRange() {
    CoverageCheck c =
        CoverageCheck.of(
            encoder("", 12, 192), encoder("sar_encoder.", 6, 192), STRIP, List.of(), Set.of());
    assertThat(c.complete()).isFalse();
    assertThat(c.missing()).hasSize(6 * 12);
    String p = c.problem("model.init", "/w/vit-6.safetensors", "model.allowMissing");
    assertThat(p)
        .doesNotContain("\n")
        .contains("model.init: /w/vit-6.safetensors does not cover the encoder")
        .contains("file depth 6, width 192 vs model depth 12, width 192")
        .contains("72 of 149 needed tensors missing (blocks.6-11.*)")
        .contains("0 mis-shaped")
        .contains("model.allowMissing");
    assertThat(p.length()).isLessThan(400);
  }

  @Test
  void aNarrowerFileListsMisShapedTensorsBriefly() {
    CoverageCheck c =
        CoverageCheck.of(encoder("", 4, 192), encoder("", 4, 128), k -> k, List.of(), Set.of());
    assertThat(c.misShaped()).hasSize(c.needed());
    assertThat(c.summary())
        .contains("file depth 4, width 128 vs model depth 4, width 192")
        .contains("cls_token: file (1, 1, 128) vs model (1, 1, 192)")
        .contains("+" + (c.needed() - 3) + " more");
  }

  @Test
  void blocksUnderAnUnknownPrefixAreNamed() {
    Map<String, long[]> file = new LinkedHashMap<>(encoder("", 0, 192));
    file.putAll(encoder("backbone.encoder.", 12, 192));
    file.keySet().removeIf(k -> k.startsWith("backbone.encoder.") && !k.contains(".blocks."));
    CoverageCheck c = CoverageCheck.of(encoder("", 12, 192), file, STRIP, List.of(), Set.of());
    assertThat(c.summary())
        .contains("file depth 12, width 192 (blocks under unrecognised prefix 'backbone.encoder.')")
        .contains("144 of 149 needed tensors missing (blocks.0-11.*)");
  }

  @Test
  void allowedGlobsAndReshapeableKeysPass() {
    Map<String, long[]> model = encoder("", 12, 192);
    CoverageCheck partial =
        CoverageCheck.of(
            model, encoder("", 10, 192), k -> k, List.of("blocks.10.*", "blocks.11.*"), Set.of());
    assertThat(partial.complete()).isTrue();
    assertThat(partial.problem("k", "f", "a")).isNull();
    Map<String, long[]> withPos = new LinkedHashMap<>(model);
    withPos.put("pos_embed", new long[] {1, 17, 192});
    Map<String, long[]> file = new LinkedHashMap<>(model);
    file.put("pos_embed", new long[] {1, 65, 192});
    assertThat(CoverageCheck.of(withPos, file, k -> k, List.of(), Set.of("pos_embed")).complete())
        .isTrue();
    assertThat(CoverageCheck.of(withPos, file, k -> k, List.of(), Set.of()).misShaped())
        .containsExactly("pos_embed: file (1, 65, 192) vs model (1, 17, 192)");
  }

  @Test
  void aTotalMismatchIsLeftToTheCallersNoEncoderTensorError() {
    CoverageCheck c =
        CoverageCheck.of(
            encoder("", 2, 192),
            Map.of("decoder_embed.weight", new long[] {2, 2}),
            k -> k,
            List.of(),
            Set.of());
    assertThat(c.matched()).isZero();
    assertThat(c.problem("model.init", "f", "model.allowMissing")).isNull();
  }

  @Test
  void missingKeysAreFoldedIntoRanges() {
    assertThat(
            CoverageCheck.compress(
                List.of(
                    "blocks.0.norm1.weight",
                    "blocks.1.norm1.weight",
                    "blocks.3.mlp.fc1.bias",
                    "norm.weight",
                    "cls_token")))
        .isEqualTo("blocks.{0-1,3}.*, cls_token, norm.weight");
  }
}
