/**
 * Evaluation for the downstream tasks, as plain-Java leaf code (arrays and records; no DJL, no
 * configuration), each metric exactly as its reference tool defines it (see docs/evaluation.md):
 *
 * <ul>
 *   <li>{@code eval.seg}: mmsegmentation's IoU metric (per-class IoU / accuracy, mIoU, mAcc, aAcc)
 *       and a binary foreground IoU;
 *   <li>{@code eval.det}: pycocotools' COCO box evaluation and DOTA_devkit's oriented-box mAP;
 *   <li>{@code eval.geom}: le90 rotated boxes, exact polygon intersection, minimum-area rectangles
 *       and class-wise NMS;
 *   <li>{@code eval.export}: COCO results JSON and DOTA task-1 files, to rescore predictions with
 *       the reference tools.
 * </ul>
 */
package io.sarmae.trainer.eval;
