package io.sarmae.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sar1mIndexTest {
  @TempDir Path root;

  private void write(String name, String json) throws IOException {
    Files.writeString(root.resolve(name), json);
  }

  @Test
  void readsBothFormsAndStripsPrefixesInBothLists() throws IOException {
    write(
        "paired.json",
        "[{\"sar\":\"SAR/a/1.png\",\"optical\":\"OPT/a/1.jpg\",\"extra\":{\"x\":[1,2]}},"
            + "{\"sar\":\"b/2.png\",\"optical\":\"b/2.jpg\",\"id\":7}]");
    write(
        "unpaired.json",
        "[\"SAR/c/3.png\", {\"sar\":\"d/4.tif\", \"meta\": null}, \"e.png\", {\"sar\":\"SAR/f.png\"}]");
    Sar1mIndex index = Sar1mIndex.load(root);
    assertThat(index.pairedCount()).isEqualTo(2);
    assertThat(index.unpairedCount()).isEqualTo(4);
    Sar1mIndex.Entry p0 = index.paired(0);
    assertThat(p0.id()).isEqualTo("a/1.png");
    assertThat(p0.sar()).isEqualTo(root.resolve("SAR/a/1.png"));
    assertThat(p0.optical()).isEqualTo(root.resolve("OPT/a/1.jpg"));
    assertThat(p0.paired()).isTrue();
    assertThat(index.paired(1).optical()).isEqualTo(root.resolve("OPT/b/2.jpg"));
    assertThat(index.unpaired(0).sar()).isEqualTo(root.resolve("SAR/c/3.png"));
    assertThat(index.unpaired(1).sar()).isEqualTo(root.resolve("SAR/d/4.tif"));
    assertThat(index.unpaired(2).sar()).isEqualTo(root.resolve("SAR/e.png"));
    assertThat(index.unpaired(3).sar()).isEqualTo(root.resolve("SAR/f.png"));
    assertThat(index.unpaired(3).paired()).isFalse();
    assertThat(index.entry(new EpochPlan.Slot(false, 2)).id()).isEqualTo("e.png");
  }

  @Test
  void eitherFileMayBeAbsent() throws IOException {
    write("unpaired.json", "[\"x.png\"]");
    Sar1mIndex index = Sar1mIndex.load(root);
    assertThat(index.pairedCount()).isZero();
    assertThat(index.unpairedCount()).isEqualTo(1);
  }

  @Test
  void missingLayoutIsAClearError() {
    assertThatThrownBy(() -> Sar1mIndex.load(root))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(root.toString())
        .hasMessageContaining("paired.json")
        .hasMessageContaining("unpaired.json")
        .hasMessageContaining("<data.path>/SAR/");
    assertThatThrownBy(() -> Sar1mIndex.load(root.resolve("nope")))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("nope")
        .hasMessageContaining("not a directory");
  }

  @Test
  void emptyIndexIsAnError() throws IOException {
    write("paired.json", "[]");
    write("unpaired.json", " [ ] ");
    assertThatThrownBy(() -> Sar1mIndex.load(root))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("lists no images");
  }

  @Test
  void malformedEntriesNameFileAndElement() throws IOException {
    write("paired.json", "[{\"sar\":\"a.png\",\"optical\":\"a.jpg\"},{\"sar\":\"b.png\"}]");
    assertThatThrownBy(() -> Sar1mIndex.load(root))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("paired.json")
        .hasMessageContaining("element 1")
        .hasMessageContaining("optical");
    write("paired.json", "[\"a.png\"]");
    assertThatThrownBy(() -> Sar1mIndex.load(root)).hasMessageContaining("element 0");
    write("paired.json", "{\"sar\":1}");
    assertThatThrownBy(() -> Sar1mIndex.load(root)).hasMessageContaining("not a JSON array");
    write("paired.json", "[{\"sar\":\"a.png\",");
    assertThatThrownBy(() -> Sar1mIndex.load(root))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("paired.json");
  }

  @Test
  void aMillionEntriesStream() throws IOException {
    int n = 1_000_000;
    try (Writer w =
        Files.newBufferedWriter(root.resolve("unpaired.json"), StandardCharsets.UTF_8)) {
      w.write('[');
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          w.write(',');
        }
        w.write(i % 2 == 0 ? "\"SAR/s1/img_" + i + ".png\"" : "{\"sar\":\"s1/img_" + i + ".png\"}");
      }
      w.write(']');
    }
    long start = System.nanoTime();
    Sar1mIndex index = Sar1mIndex.load(root);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(index.unpairedCount()).isEqualTo(n);
    assertThat(index.unpaired(n - 1).id()).isEqualTo("s1/img_" + (n - 1) + ".png");
    assertThat(seconds).isLessThan(10);
  }
}
