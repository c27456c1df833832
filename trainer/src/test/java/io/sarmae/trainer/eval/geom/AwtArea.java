package io.sarmae.trainer.eval.geom;

import java.awt.geom.Area;
import java.awt.geom.Path2D;
import java.awt.geom.PathIterator;

/**
 * Independent reference for polygon intersection areas: java.awt.geom.Area computes boolean
 * operations on straight-edged shapes exactly up to double rounding, and the area of the result is
 * the shoelace sum over its sub-paths (holes run the other way, so their signed areas subtract).
 */
final class AwtArea {

  private AwtArea() {}

  static double intersection(double[] p, double[] q) {
    Area a = new Area(path(p));
    a.intersect(new Area(path(q)));
    return area(a);
  }

  static Path2D.Double path(double[] xy) {
    Path2D.Double path = new Path2D.Double(Path2D.WIND_NON_ZERO);
    path.moveTo(xy[0], xy[1]);
    for (int i = 2; i < xy.length; i += 2) {
      path.lineTo(xy[i], xy[i + 1]);
    }
    path.closePath();
    return path;
  }

  static double area(Area area) {
    double total = 0;
    double[] c = new double[6];
    double sx = 0;
    double sy = 0;
    double px = 0;
    double py = 0;
    for (PathIterator it = area.getPathIterator(null); !it.isDone(); it.next()) {
      int type = it.currentSegment(c);
      switch (type) {
        case PathIterator.SEG_MOVETO -> {
          sx = px = c[0];
          sy = py = c[1];
        }
        case PathIterator.SEG_LINETO -> {
          total += px * c[1] - c[0] * py;
          px = c[0];
          py = c[1];
        }
        case PathIterator.SEG_CLOSE -> {
          total += px * sy - sx * py;
          px = sx;
          py = sy;
        }
        default -> throw new IllegalStateException("curve segment in a polygon area: " + type);
      }
    }
    return Math.abs(total / 2);
  }
}
