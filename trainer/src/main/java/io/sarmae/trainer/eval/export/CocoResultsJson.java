package io.sarmae.trainer.eval.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sarmae.trainer.eval.det.CocoDetection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The COCO results format: a JSON array of {@code {"image_id": int, "category_id": int, "bbox": [x,
 * y, w, h], "score": float}}, boxes in original-image pixels, as pycocotools' {@code COCO.loadRes}
 * reads it. Image and category ids must be the dataset's own (not 0-based label indices).
 */
public final class CocoResultsJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private CocoResultsJson() {}

  /** Writes detections as a COCO results array (parent directories are created). */
  public static void write(Path file, List<CocoDetection> detections) throws IOException {
    ArrayNode array = MAPPER.createArrayNode();
    for (CocoDetection d : detections) {
      ObjectNode o = array.addObject();
      o.put("image_id", d.imageId());
      o.put("category_id", d.categoryId());
      ArrayNode bbox = o.putArray("bbox");
      bbox.add(d.x()).add(d.y()).add(d.w()).add(d.h());
      o.put("score", d.score());
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    MAPPER.writeValue(file.toFile(), array);
  }

  /**
   * Reads a COCO results array; an entry without a field, or with a value of the wrong type, is an
   * error naming the entry index and the field.
   */
  public static List<CocoDetection> read(Path file) throws IOException {
    JsonNode root = MAPPER.readTree(file.toFile());
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(
          file + ": a COCO results file must be a JSON array of detections");
    }
    List<CocoDetection> out = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode o = root.get(i);
      String where = file + ": entry " + i;
      JsonNode bbox = o.get("bbox");
      if (bbox == null || !bbox.isArray() || bbox.size() != 4) {
        throw new IllegalArgumentException(where + ": \"bbox\" must be an array [x, y, w, h]");
      }
      double[] b = new double[4];
      for (int k = 0; k < 4; k++) {
        if (!bbox.get(k).isNumber()) {
          throw new IllegalArgumentException(where + ": \"bbox\" values must be numbers");
        }
        b[k] = bbox.get(k).asDouble();
      }
      out.add(
          new CocoDetection(
              integer(o, "image_id", where),
              (int) integer(o, "category_id", where),
              b[0],
              b[1],
              b[2],
              b[3],
              number(o, "score", where)));
    }
    return out;
  }

  private static long integer(JsonNode o, String field, String where) {
    JsonNode v = o.get(field);
    if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(where + ": \"" + field + "\" must be an integer");
    }
    return v.asLong();
  }

  private static double number(JsonNode o, String field, String where) {
    JsonNode v = o.get(field);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(where + ": \"" + field + "\" must be a number");
    }
    return v.asDouble();
  }
}
