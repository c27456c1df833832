package io.sarmae.trainer.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The SAR-1M index (reference §4.1): which SAR images exist and which have an optical partner.
 *
 * <pre>
 * &lt;root&gt;/SAR/            SAR images (any sub-structure)
 * &lt;root&gt;/OPT/            optical images
 * &lt;root&gt;/paired.json     [{"sar": "&lt;path&gt;", "optical": "&lt;path&gt;", ...}, ...]
 * &lt;root&gt;/unpaired.json   ["&lt;path&gt;", ...] or [{"sar": "&lt;path&gt;", ...}, ...] (forms may be mixed)
 * </pre>
 *
 * <p>A leading {@code SAR/} is stripped from every SAR path and a leading {@code OPT/} from every
 * optical path, then the rest is resolved against {@code <root>/SAR} resp. {@code <root>/OPT}. The
 * reference strips the prefix only in {@code paired.json}; in {@code unpaired.json} a prefixed path
 * becomes {@code SAR/SAR/...}, is "missing" and silently turns into an all-zero sample. We strip it
 * in both files. Extra fields are ignored. Either file may be absent (it then counts as empty), but
 * not both, and together they must list at least one image.
 *
 * <p>The files are read with Jackson's streaming parser and only the relative path strings are kept
 * (about 100 bytes per path), so an index of a million entries loads in about a second.
 */
public final class Sar1mIndex {
  /** Expected layout, quoted in error messages. */
  public static final String LAYOUT =
      "expected <data.path>/SAR/, <data.path>/OPT/, <data.path>/paired.json (array of"
          + " {\"sar\",\"optical\"} objects) and/or <data.path>/unpaired.json (array of paths or"
          + " {\"sar\"} objects)";

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * One image (pair).
   *
   * @param id the SAR path relative to {@code <root>/SAR}, used in logs and batch ids
   * @param sar the SAR image file
   * @param optical the optical image file, or null for an unpaired sample
   */
  public record Entry(String id, Path sar, Path optical) {
    public boolean paired() {
      return optical != null;
    }
  }

  private final Path root;
  private final Path sarDir;
  private final Path optDir;
  private final List<String> pairedSar;
  private final List<String> pairedOptical;
  private final List<String> unpairedSar;

  private Sar1mIndex(
      Path root, List<String> pairedSar, List<String> pairedOptical, List<String> unpairedSar) {
    this.root = root;
    this.sarDir = root.resolve("SAR");
    this.optDir = root.resolve("OPT");
    this.pairedSar = pairedSar;
    this.pairedOptical = pairedOptical;
    this.unpairedSar = unpairedSar;
  }

  /**
   * Reads {@code <root>/paired.json} and {@code <root>/unpaired.json}.
   *
   * @throws DataException if the directory or both index files are missing, an index file is not a
   *     JSON array of the accepted forms, or no image is listed at all
   */
  public static Sar1mIndex load(Path root) {
    if (!Files.isDirectory(root)) {
      throw new DataException("data.path " + root + " is not a directory; " + LAYOUT);
    }
    Path pairedFile = root.resolve("paired.json");
    Path unpairedFile = root.resolve("unpaired.json");
    boolean hasPaired = Files.isRegularFile(pairedFile);
    boolean hasUnpaired = Files.isRegularFile(unpairedFile);
    if (!hasPaired && !hasUnpaired) {
      throw new DataException(
          "no index in data.path " + root + ": neither paired.json nor unpaired.json; " + LAYOUT);
    }
    List<String> pairedSar = new ArrayList<>();
    List<String> pairedOptical = new ArrayList<>();
    List<String> unpairedSar = new ArrayList<>();
    if (hasPaired) {
      readIndex(pairedFile, true, pairedSar, pairedOptical);
    }
    if (hasUnpaired) {
      readIndex(unpairedFile, false, unpairedSar, null);
    }
    if (pairedSar.isEmpty() && unpairedSar.isEmpty()) {
      throw new DataException(
          "the index in data.path "
              + root
              + " lists no images (paired.json and unpaired.json are"
              + " empty or absent); "
              + LAYOUT);
    }
    return new Sar1mIndex(root, pairedSar, pairedOptical, unpairedSar);
  }

  private static void readIndex(
      Path file, boolean paired, List<String> sarOut, List<String> opticalOut) {
    try (JsonParser p = JSON.createParser(file.toFile())) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new DataException(file + " is not a JSON array; " + LAYOUT);
      }
      int element = 0;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), element++) {
        if (t == null) {
          throw new DataException(file + " ends inside its top-level array");
        }
        String sar = null;
        String optical = null;
        if (t == JsonToken.VALUE_STRING && !paired) {
          sar = p.getText();
        } else if (t == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if ("sar".equals(name) && value == JsonToken.VALUE_STRING) {
              sar = p.getText();
            } else if (paired && "optical".equals(name) && value == JsonToken.VALUE_STRING) {
              optical = p.getText();
            } else {
              p.skipChildren();
            }
          }
        } else {
          throw new DataException(
              file
                  + ": element "
                  + element
                  + " is a "
                  + t
                  + ", expected "
                  + (paired ? "an object with \"sar\" and \"optical\"" : "a string or an object"));
        }
        if (sar == null || (paired && optical == null)) {
          throw new DataException(
              file
                  + ": element "
                  + element
                  + " lacks a string field \""
                  + (sar == null ? "sar" : "optical")
                  + "\"");
        }
        sarOut.add(stripPrefix(sar, "SAR/"));
        if (paired) {
          opticalOut.add(stripPrefix(optical, "OPT/"));
        }
      }
    } catch (JsonProcessingException e) {
      throw new DataException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new DataException("cannot read " + file + ": " + e, e);
    }
  }

  static String stripPrefix(String path, String prefix) {
    return path.startsWith(prefix) ? path.substring(prefix.length()) : path;
  }

  public Path root() {
    return root;
  }

  public int pairedCount() {
    return pairedSar.size();
  }

  public int unpairedCount() {
    return unpairedSar.size();
  }

  /** The i-th entry of {@code paired.json}. */
  public Entry paired(int i) {
    String id = pairedSar.get(i);
    return new Entry(id, sarDir.resolve(id), optDir.resolve(pairedOptical.get(i)));
  }

  /** The i-th entry of {@code unpaired.json}. */
  public Entry unpaired(int i) {
    String id = unpairedSar.get(i);
    return new Entry(id, sarDir.resolve(id), null);
  }

  /** The entry a plan slot points at. */
  public Entry entry(EpochPlan.Slot slot) {
    return slot.paired() ? paired(slot.index()) : unpaired(slot.index());
  }
}
