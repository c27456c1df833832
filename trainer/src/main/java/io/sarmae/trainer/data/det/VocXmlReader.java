package io.sarmae.trainer.data.det;

import io.sarmae.trainer.data.DataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Reads a PASCAL VOC layout (SSDD's VOC release): {@code ImageSets/Main/SPLIT.txt} lists the stems,
 * {@code Annotations/STEM.xml} holds {@code <object><name/><difficult/><bndbox><xmin/>
 * <ymin/><xmax/><ymax/></bndbox></object>}, {@code JPEGImages/STEM.*} the image. Coordinates are
 * taken as written (continuous pixels, no VOC "-1"); a {@code difficult} object becomes an ignored
 * box. The JDK's DOM parser reads the files, with external entities disabled.
 */
final class VocXmlReader {

  private VocXmlReader() {}

  static DetDataset open(Path root, String split, double minBoxSize) {
    DetDataset.Classes classes = DetDataset.readClassesTxt(root);
    Path list = root.resolve("ImageSets").resolve("Main").resolve(split + ".txt");
    if (!Files.isRegularFile(list)) {
      throw new DataException(
          "data.path: "
              + list
              + " does not exist (detection.format voc expects"
              + " ImageSets/Main/<split>.txt, Annotations/ and JPEGImages/)");
    }
    List<String> stems;
    try {
      stems =
          Files.readAllLines(list).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new DataException("cannot read " + list + ": " + e.getMessage(), e);
    }
    if (stems.isEmpty()) {
      throw new DataException("data.path: " + list + " lists no image");
    }
    DocumentBuilder parser = parser();
    List<DetDataset.Sample> samples = new ArrayList<>();
    long id = 1;
    for (String stem : stems) {
      Path xml = root.resolve("Annotations").resolve(stem + ".xml");
      if (!Files.isRegularFile(xml)) {
        throw new DataException(list + ": image " + stem + " has no annotation " + xml);
      }
      Path image = DetDataset.findImage(root.resolve("JPEGImages"), stem);
      if (image == null) {
        image = root.resolve("JPEGImages").resolve(stem + ".jpg"); // skipped and counted at load
      }
      samples.add(new DetDataset.Sample(stem, id++, image, parse(parser, xml, classes)));
    }
    return new DetDataset(root, split, DetDataset.Format.VOC, classes, samples, minBoxSize);
  }

  private static DocumentBuilder parser() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setExpandEntityReferences(false);
      return f.newDocumentBuilder();
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser is not available", e);
    }
  }

  static List<DetDataset.Annotation> parse(
      DocumentBuilder parser, Path xml, DetDataset.Classes classes) {
    Document doc;
    try {
      doc = parser.parse(xml.toFile());
    } catch (SAXException | IOException e) {
      throw new DataException(xml + ": not a readable VOC XML file: " + e.getMessage(), e);
    }
    List<DetDataset.Annotation> out = new ArrayList<>();
    NodeList objects = doc.getElementsByTagName("object");
    for (int i = 0; i < objects.getLength(); i++) {
      Element o = (Element) objects.item(i);
      String where = xml + " object " + (i + 1);
      String name = text(o, "name", where);
      int cat = classes.names().indexOf(name);
      if (cat < 0) {
        throw new DataException(
            where + ": class '" + name + "' is not in classes.txt " + classes.names());
      }
      NodeList bbs = o.getElementsByTagName("bndbox");
      if (bbs.getLength() == 0) {
        throw new DataException(where + ": has no <bndbox>");
      }
      Element bb = (Element) bbs.item(0);
      double x1 = DetDataset.number(text(bb, "xmin", where), where + " xmin");
      double y1 = DetDataset.number(text(bb, "ymin", where), where + " ymin");
      double x2 = DetDataset.number(text(bb, "xmax", where), where + " xmax");
      double y2 = DetDataset.number(text(bb, "ymax", where), where + " ymax");
      if (x2 < x1 || y2 < y1) {
        throw new DataException(
            where
                + ": xmax/ymax must be >= xmin/ymin, got ["
                + x1
                + ", "
                + y1
                + ", "
                + x2
                + ", "
                + y2
                + "]");
      }
      NodeList diff = o.getElementsByTagName("difficult");
      boolean difficult =
          diff.getLength() > 0 && !"0".equals(diff.item(0).getTextContent().strip());
      out.add(new DetDataset.Annotation(cat, x1, y1, x2, y2, null, difficult, Double.NaN, where));
    }
    return out;
  }

  private static String text(Element parent, String tag, String where) {
    NodeList n = parent.getElementsByTagName(tag);
    if (n.getLength() == 0) {
      throw new DataException(where + ": <" + tag + "> is missing");
    }
    return n.item(0).getTextContent().strip();
  }
}
