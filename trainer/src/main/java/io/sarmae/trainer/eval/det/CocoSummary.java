package io.sarmae.trainer.eval.det;

/**
 * pycocotools' twelve box summaries ({@code COCOeval.stats[0..11]}); −1 where no ground truth
 * exists for the setting.
 *
 * @param ap AP @[IoU .50:.95, area all, maxDets 100] (stats[0], the COCO "mAP")
 * @param ap50 AP @[.50, all, 100]
 * @param ap75 AP @[.75, all, 100]
 * @param apSmall AP @[.50:.95, small (area ≤ 32²), 100]
 * @param apMedium AP @[.50:.95, medium (32²..96²), 100]
 * @param apLarge AP @[.50:.95, large (≥ 96²), 100]
 * @param ar1 AR @[.50:.95, all, maxDets 1]
 * @param ar10 AR @[.50:.95, all, 10]
 * @param ar100 AR @[.50:.95, all, 100]
 * @param arSmall AR @[.50:.95, small, 100]
 * @param arMedium AR @[.50:.95, medium, 100]
 * @param arLarge AR @[.50:.95, large, 100]
 */
public record CocoSummary(
    double ap,
    double ap50,
    double ap75,
    double apSmall,
    double apMedium,
    double apLarge,
    double ar1,
    double ar10,
    double ar100,
    double arSmall,
    double arMedium,
    double arLarge) {

  /** The values in pycocotools' {@code stats} order. */
  public double[] toArray() {
    return new double[] {
      ap, ap50, ap75, apSmall, apMedium, apLarge, ar1, ar10, ar100, arSmall, arMedium, arLarge
    };
  }
}
