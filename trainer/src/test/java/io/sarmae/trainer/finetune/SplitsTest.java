package io.sarmae.trainer.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sarmae.trainer.data.ImageFolder;
import io.sarmae.trainer.exit.ExitCodes;
import io.sarmae.trainer.exit.TrainerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitsTest {
  @TempDir static Path root;
  static ImageFolder folder;

  /** Three classes with 10, 7 and 3 (empty, never decoded) image files, plus a non-image. */
  @BeforeAll
  static void layout() throws Exception {
    int[] sizes = {10, 7, 3};
    String[] names = {"b_tanker", "a_cargo", "c_fishing"};
    for (int c = 0; c < 3; c++) {
      Path dir = Files.createDirectories(root.resolve("Train").resolve(names[c]));
      for (int i = 0; i < sizes[c]; i++) {
        Files.createFile(dir.resolve(String.format("img_%02d.%s", i, i % 2 == 0 ? "png" : "TIF")));
      }
      Files.writeString(dir.resolve("notes.txt"), "not an image");
    }
    folder = ImageFolder.scan(root, "Train");
  }

  @Test
  void classesAreSortedFolderNamesAndLabelsFollowThem() {
    assertThat(folder.classes()).containsExactly("a_cargo", "b_tanker", "c_fishing");
    assertThat(folder.classCounts()).containsExactly(7, 10, 3);
    assertThat(folder.samples()).hasSize(20);
    assertThat(folder.samples().get(0).path()).isEqualTo("Train/a_cargo/img_00.png");
  }

  @Test
  void kShotTakesExactlyKPerClassDeterministically() {
    List<ImageFolder.Sample> a = Splits.kShot(folder, 3, 7);
    assertThat(perClass(a)).containsExactly(Map.entry(0, 3L), Map.entry(1, 3L), Map.entry(2, 3L));
    assertThat(Splits.kShot(folder, 3, 7)).isEqualTo(a);
    assertThat(a).doesNotHaveDuplicates();
    assertThat(folder.samples()).containsAll(a);
    // another seed draws another subset (of the classes with more than k images)
    assertThat(Splits.kShot(folder, 3, 8)).isNotEqualTo(a);
  }

  @Test
  void aClassSubsetDoesNotDependOnOtherClasses() {
    List<ImageFolder.Sample> k2 = Splits.kShot(folder, 2, 5);
    List<ImageFolder.Sample> k2again = Splits.kShot(folder, 2, 5);
    assertThat(k2.stream().filter(s -> s.label() == 1).toList())
        .isEqualTo(k2again.stream().filter(s -> s.label() == 1).toList());
  }

  @Test
  void tooFewImagesIsAnErrorNamingEveryShortClass() {
    assertThatThrownBy(() -> Splits.kShot(folder, 8, 0))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DATA))
        .hasMessageContaining("a_cargo (7)")
        .hasMessageContaining("c_fishing (3)")
        .message()
        .doesNotContain("b_tanker");
  }

  @Test
  void fractionTakesCeilOfTheShareOfEachClass() {
    // 30 %: ceil(2.1) = 3 of 7, 3 of 10 exactly, ceil(0.9) = 1 of 3
    assertThat(perClass(Splits.fraction(folder, 0.3, 1)))
        .containsExactly(Map.entry(0, 3L), Map.entry(1, 3L), Map.entry(2, 1L));
    assertThat(Splits.fraction(folder, 1.0, 1)).hasSize(20);
    assertThat(Splits.fraction(folder, 0.3, 1)).isEqualTo(Splits.fraction(folder, 0.3, 1));
  }

  @Test
  void manifestRoundTrips(@TempDir Path dir) {
    List<ImageFolder.Sample> s = Splits.kShot(folder, 2, 3);
    Manifest m = new Manifest(Manifest.FORMAT, "kshot", 3, 2, null, "Train", folder.classes(), s);
    m.write(dir.resolve("split.json"));
    assertThat(Manifest.read(dir.resolve("split.json"))).isEqualTo(m);
  }

  @Test
  void missingSplitIsADataError() {
    assertThatThrownBy(() -> ImageFolder.scan(root, "Val"))
        .isInstanceOfSatisfying(
            TrainerException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.DATA))
        .hasMessageContaining("Val");
  }

  private static Map<Integer, Long> perClass(List<ImageFolder.Sample> s) {
    return s.stream()
        .collect(
            Collectors.groupingBy(
                ImageFolder.Sample::label, java.util.TreeMap::new, Collectors.counting()));
  }
}
