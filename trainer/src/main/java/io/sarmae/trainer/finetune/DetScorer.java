package io.sarmae.trainer.finetune;

import io.sarmae.trainer.config.FinetuneConfig;
import io.sarmae.trainer.data.det.DetAugment;
import io.sarmae.trainer.data.det.GtBox;
import io.sarmae.trainer.eval.det.CocoAnnotation;
import io.sarmae.trainer.eval.det.CocoDetection;
import io.sarmae.trainer.eval.det.CocoEvalResult;
import io.sarmae.trainer.eval.det.CocoEvaluator;
import io.sarmae.trainer.eval.det.CocoSummary;
import io.sarmae.trainer.eval.det.DotaDetection;
import io.sarmae.trainer.eval.det.DotaEvalResult;
import io.sarmae.trainer.eval.det.DotaEvaluator;
import io.sarmae.trainer.eval.det.DotaObject;
import io.sarmae.trainer.eval.geom.RotatedBox;
import io.sarmae.trainer.model.det.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scores one split's detections against its ground truth: pycocotools' bbox metrics for horizontal
 * boxes ({@link CocoEvaluator}, AP@[.50:.95] the primary metric) or the DOTA devkit's mAP@0.5 for
 * oriented boxes ({@link DotaEvaluator}, {@code detection.apMethod}), with each class's AP and
 * object count.
 *
 * @param classes the dataset's class names, by category index
 * @param oriented whether the run predicts oriented boxes (scored DOTA-style)
 * @param apMethod the DOTA devkit's AP method ({@code detection.apMethod})
 */
record DetScorer(List<String> classes, boolean oriented, FinetuneConfig.ApMethod apMethod) {

  /** An evaluated image's ground truth (its pixels are not kept). */
  record Truth(String id, long imageId, List<GtBox> boxes, double[] areas) {}

  /** A detection in the coordinates of the image before {@link DetAugment#letterbox}. */
  static Detection unscale(Detection d, double scale) {
    RotatedBox o = d.obb();
    return new Detection(
        d.category(),
        d.score(),
        d.x1() / scale,
        d.y1() / scale,
        d.x2() / scale,
        d.y2() / scale,
        o == null
            ? null
            : new RotatedBox(
                o.cx() / scale, o.cy() / scale, o.w() / scale, o.h() / scale, o.theta()));
  }

  /** The evaluation of a split's images and their detections (in original pixels). */
  DetEvaluation score(
      List<Truth> images,
      List<List<Detection>> dets,
      double loss,
      long skipped,
      long degenerate,
      String split) {
    return oriented
        ? dota(images, dets, loss, skipped, degenerate, split)
        : coco(images, dets, loss, skipped, degenerate, split);
  }

  /** A box as a rotated box: its own when it has one, else the horizontal box at angle 0. */
  private static RotatedBox rotated(RotatedBox obb, double x1, double y1, double x2, double y2) {
    return obb != null ? obb : new RotatedBox((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, 0);
  }

  private DetEvaluation coco(
      List<Truth> images,
      List<List<Detection>> dets,
      double loss,
      long skipped,
      long degenerate,
      String split) {
    List<Long> ids = new ArrayList<>();
    List<CocoAnnotation> gt = new ArrayList<>();
    List<CocoDetection> dt = new ArrayList<>();
    int k = classes.size();
    int[] objects = new int[k];
    for (int i = 0; i < images.size(); i++) {
      Truth im = images.get(i);
      ids.add(im.imageId());
      for (int j = 0; j < im.boxes().size(); j++) {
        GtBox b = im.boxes().get(j);
        if (!b.ignore()) {
          objects[b.category()]++;
        }
        gt.add(
            new CocoAnnotation(
                im.imageId(),
                b.category(),
                b.x1(),
                b.y1(),
                b.x2() - b.x1(),
                b.y2() - b.y1(),
                im.areas()[j],
                b.ignore()));
      }
      for (Detection d : dets.get(i)) {
        double[] xywh = d.xywh();
        dt.add(
            new CocoDetection(
                im.imageId(),
                d.category(),
                xywh[0],
                xywh[1],
                Math.max(0, xywh[2]),
                Math.max(0, xywh[3]),
                d.score()));
      }
    }
    List<Integer> cats = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      cats.add(c);
    }
    CocoEvalResult r = CocoEvaluator.evaluate(ids, cats, gt, dt);
    CocoSummary sum = r.summary();
    Map<Integer, Double> per = r.perCategoryAp(null);
    List<DetEvaluation.ClassScore> perClass = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      Double ap = per.get(c);
      perClass.add(
          new DetEvaluation.ClassScore(
              classes.get(c), ap == null ? null : DetEvaluation.pct(ap), objects[c]));
    }
    Double map = DetEvaluation.pct(sum.ap());
    return new DetEvaluation(
        split,
        images.size(),
        "coco",
        map == null ? 0.0 : map,
        DetEvaluation.pct(sum.ap50()),
        DetEvaluation.pct(sum.ap75()),
        DetEvaluation.pct(sum.apSmall()),
        DetEvaluation.pct(sum.apMedium()),
        DetEvaluation.pct(sum.apLarge()),
        DetEvaluation.pct(sum.ar100()),
        perClass,
        loss,
        skipped,
        degenerate);
  }

  private DetEvaluation dota(
      List<Truth> images,
      List<List<Detection>> dets,
      double loss,
      long skipped,
      long degenerate,
      String split) {
    List<String> names = classes;
    List<String> ids = new ArrayList<>();
    List<DotaObject> gt = new ArrayList<>();
    List<DotaDetection> dt = new ArrayList<>();
    int[] objects = new int[names.size()];
    for (int i = 0; i < images.size(); i++) {
      Truth im = images.get(i);
      ids.add(im.id());
      for (GtBox b : im.boxes()) {
        if (!b.ignore()) {
          objects[b.category()]++;
        }
        RotatedBox o = rotated(b.obb(), b.x1(), b.y1(), b.x2(), b.y2());
        gt.add(new DotaObject(im.id(), names.get(b.category()), o.toPolygon(), b.ignore()));
      }
      for (Detection d : dets.get(i)) {
        RotatedBox o = rotated(d.obb(), d.x1(), d.y1(), d.x2(), d.y2());
        dt.add(DotaDetection.of(im.id(), names.get(d.category()), d.score(), o));
      }
    }
    DotaEvaluator.ApMethod method =
        apMethod == FinetuneConfig.ApMethod.ALL_POINT
            ? DotaEvaluator.ApMethod.ALL_POINT
            : DotaEvaluator.ApMethod.VOC07_11_POINT;
    DotaEvalResult r = DotaEvaluator.evaluate(ids, names, gt, dt, new double[] {0.5}, method);
    Map<String, Double> per = r.perClassAp(0);
    List<DetEvaluation.ClassScore> perClass = new ArrayList<>();
    for (int c = 0; c < names.size(); c++) {
      Double ap = per.get(names.get(c));
      perClass.add(
          new DetEvaluation.ClassScore(
              names.get(c), ap == null ? null : DetEvaluation.pct(ap), objects[c]));
    }
    Double map = DetEvaluation.pct(r.map(0));
    return new DetEvaluation(
        split,
        images.size(),
        "dota",
        map == null ? 0.0 : map,
        map,
        null,
        null,
        null,
        null,
        null,
        perClass,
        loss,
        skipped,
        degenerate);
  }
}
