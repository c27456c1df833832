package io.sarmae.trainer.data.det;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sarmae.trainer.data.DataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a COCO detection file ({@code images}, {@code annotations} with {@code bbox} {@code [x, y,
 * w, h]}, {@code category_id}, {@code iscrowd}, {@code area}; {@code categories}) as SARDet-100k
 * and SSDD's {@code coco_style} ship it. Classes are the categories in ascending id order; a crowd
 * annotation becomes an ignored box. The file is {@code root/annotations/SPLIT.json} (or {@code
 * Annotations/}, SARDet-100k's spelling). Images are looked up under {@code root/images/SPLIT/},
 * then {@code root/images/}, then {@code root/JPEGImages/}.
 */
final class CocoJsonReader {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CocoJsonReader() {}

  static DetDataset open(Path root, String split, double minBoxSize) {
    Path file = root.resolve("annotations").resolve(split + ".json");
    if (!Files.isRegularFile(file)) {
      file = root.resolve("Annotations").resolve(split + ".json"); // SARDet-100k's spelling
    }
    if (!Files.isRegularFile(file)) {
      throw new DataException(
          "data.path: "
              + file
              + " does not exist (detection.format coco expects"
              + " annotations/<split>.json and images/<split>/)");
    }
    JsonNode doc;
    try {
      doc = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new DataException(file + ": not a readable COCO JSON file: " + e.getMessage(), e);
    }
    TreeMap<Integer, String> cats = new TreeMap<>();
    JsonNode categories = doc.path("categories");
    if (!categories.isArray() || categories.isEmpty()) {
      throw new DataException(file + ": 'categories' is missing or empty");
    }
    for (int i = 0; i < categories.size(); i++) {
      JsonNode c = categories.get(i);
      if (!c.path("id").canConvertToInt() || !c.path("name").isTextual()) {
        throw new DataException(file + ": categories[" + i + "] needs an integer id and a name");
      }
      if (cats.put(c.get("id").asInt(), c.get("name").asText()) != null) {
        throw new DataException(file + ": categories[" + i + "] repeats id " + c.get("id"));
      }
    }
    DetDataset.Classes classes =
        new DetDataset.Classes(List.copyOf(cats.values()), List.copyOf(cats.keySet()));
    Map<Integer, Integer> catIndex = new HashMap<>();
    int idx = 0;
    for (int id : cats.keySet()) {
      catIndex.put(id, idx++);
    }
    Path[] dirs = {
      root.resolve("images").resolve(split), root.resolve("images"), root.resolve("JPEGImages")
    };
    Map<Long, String> names = new LinkedHashMap<>();
    JsonNode images = doc.path("images");
    if (!images.isArray()) {
      throw new DataException(file + ": 'images' is missing");
    }
    for (int i = 0; i < images.size(); i++) {
      JsonNode im = images.get(i);
      if (!im.path("id").canConvertToLong() || !im.path("file_name").isTextual()) {
        throw new DataException(file + ": images[" + i + "] needs an integer id and a file_name");
      }
      if (names.put(im.get("id").asLong(), im.get("file_name").asText()) != null) {
        throw new DataException(file + ": images[" + i + "] repeats id " + im.get("id"));
      }
    }
    Map<Long, List<DetDataset.Annotation>> byImage = new HashMap<>();
    JsonNode anns = doc.path("annotations");
    for (int i = 0; i < anns.size(); i++) {
      JsonNode a = anns.get(i);
      String where = file + " annotations[" + i + "] (id " + a.path("id").asText("?") + ")";
      long imageId = a.path("image_id").asLong(Long.MIN_VALUE);
      if (!names.containsKey(imageId)) {
        throw new DataException(where + ": image_id " + a.path("image_id") + " is not in images");
      }
      Integer cat = catIndex.get(a.path("category_id").asInt(Integer.MIN_VALUE));
      if (cat == null || !a.path("category_id").canConvertToInt()) {
        throw new DataException(
            where + ": category_id " + a.path("category_id") + " is not in categories");
      }
      JsonNode bb = a.path("bbox");
      if (!bb.isArray() || bb.size() != 4) {
        throw new DataException(where + ": bbox must be [x, y, w, h]");
      }
      double[] v = new double[4];
      for (int j = 0; j < 4; j++) {
        v[j] = DetDataset.number(bb.get(j).asText(), where + " bbox[" + j + "]");
      }
      if (v[2] < 0 || v[3] < 0) {
        throw new DataException(
            where + ": bbox width and height must be >= 0, got " + v[2] + " x " + v[3]);
      }
      double area =
          a.has("area") ? DetDataset.number(a.get("area").asText(), where + " area") : Double.NaN;
      boolean crowd = a.path("iscrowd").asInt(0) != 0;
      byImage
          .computeIfAbsent(imageId, k -> new ArrayList<>())
          .add(
              new DetDataset.Annotation(
                  cat, v[0], v[1], v[0] + v[2], v[1] + v[3], null, crowd, area, where));
    }
    List<DetDataset.Sample> samples = new ArrayList<>();
    for (Map.Entry<Long, String> e : names.entrySet()) {
      Path image = null;
      for (Path d : dirs) {
        if (Files.isRegularFile(d.resolve(e.getValue()))) {
          image = d.resolve(e.getValue());
          break;
        }
      }
      if (image == null) {
        // a missing image is skipped and counted at load, as an unreadable one
        image = dirs[0].resolve(e.getValue());
      }
      String stem = e.getValue().replaceFirst("\\.[^./]+$", "");
      samples.add(
          new DetDataset.Sample(
              stem, e.getKey(), image, byImage.getOrDefault(e.getKey(), List.of())));
    }
    if (samples.isEmpty()) {
      throw new DataException(file + ": 'images' is empty");
    }
    return new DetDataset(root, split, DetDataset.Format.COCO, classes, samples, minBoxSize);
  }
}
