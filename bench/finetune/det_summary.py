#!/usr/bin/env python3
"""Summarises bench/finetune/det.sh as seeds_summary.py summarises seeds.sh: for every box kind
(hbb = horizontal, COCO mAP@[.5:.95]; obb = oriented, DOTA mAP@0.5) and every arm, the mean over
the fine-tuning repeats of each pretraining seed's encoder, the spread of those means across
pretraining seeds, and the paired differences between arms (same pretraining seed, same
fine-tuning seeds and data) with a two-sided 95 % t-interval over pretraining seeds. Scratch has no
pretraining seed: its one value is paired with every seed. Also counts the fine-tuning steps that
the non-finite step guard skipped (results.json history[].skippedSteps).

Reads <work>/det-<box>-<arm>[-s<seed>][-ftN]/results.json or, with --results, the flat copies
results-<box>-<arm>[-s<seed>][-ftN].json in WORK. Runs tagged -ftN (det.sh TAG, extra fine-tuning
seeds) are pooled with the untagged run of the same encoder; a fine-tuning seed present twice is
counted once. Standard library only.

Usage: det_summary.py WORK [--results] --seeds "1 2 3" --arms "scratch mae sare" --boxes "hbb obb"
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seeds_summary import fmt, t_interval  # noqa: E402  (same folder)

METRICS = {
    "hbb": [("val mAP", lambda r: r["mAPLast"]),
            ("test mAP", lambda r: r["tests"]["test"]["mAP"]),
            ("test AP50", lambda r: r["tests"]["test"]["ap50"])],
    "obb": [("val mAP50", lambda r: r["mAPLast"]),
            ("test mAP50", lambda r: r["tests"]["test"]["mAP"])],
}
BOX_TITLE = {"hbb": "horizontal boxes (COCO: mAP = AP@[.50:.95], AP50)",
             "obb": "oriented boxes (DOTA task 1: mAP@0.5, VOC07 11-point)"}
ARM_TITLE = {"scratch": "scratch", "mae": "MAE", "sare": "SARE", "sarc": "SARE+SARC(rand)"}


def run_files(work, flat, box, name):
    """The results.json paths of one encoder's runs: untagged first, then -ftN tags."""
    if flat:
        pat = re.compile(rf"^results-{re.escape(box)}-{re.escape(name)}(-ft\d+)?\.json$")
        return sorted(os.path.join(work, f) for f in os.listdir(work) if pat.match(f))
    pat = re.compile(rf"^det-{re.escape(box)}-{re.escape(name)}(-ft\d+)?$")
    out = []
    for d in sorted(os.listdir(work)):
        p = os.path.join(work, d, "results.json")
        if pat.match(d) and os.path.exists(p):
            out.append(p)
    return out


def allpoint_of(path, flat):
    """{split: mAP} of det.sh RESCORE's all-point rescoring of a one-repeat run, if present."""
    out = {}
    for split in ("val", "test"):
        if flat:
            q = path[:-len(".json")] + f"-allpoint-{split}.json"
        else:
            q = os.path.join(os.path.dirname(path), f"allpoint-{split}.json")
        if os.path.exists(q):
            with open(q) as fh:
                out[split] = json.load(fh)["evaluation"]["mAP"]
    return out


def repeats_of(work, flat, box, name):
    """All repeats of one encoder (deduplicated by fine-tuning seed) and the skipped-step count."""
    files = run_files(work, flat, box, name)
    if not files:
        sys.exit(f"no results for {box} {name} in {work}: run det.sh to the end first")
    reps, skipped = {}, 0
    for p in files:
        with open(p) as fh:
            runs = json.load(fh)["repeats"]
        for r in runs:
            if r["seed"] in reps:
                continue
            reps[r["seed"]] = r
            if r["repeat"] == 0 and len(runs) == 1:
                r["_allpoint"] = allpoint_of(p, flat)
            skipped += sum(h.get("skippedSteps", 0) or 0 for h in r["history"])
    return [reps[s] for s in sorted(reps)], skipped


def summarise(work, flat, box, arms, seeds):
    metrics = list(METRICS[box])
    if box == "obb":  # all-point AP columns when every run was rescored (det.sh RESCORE=1)
        names = [n for a in arms for n in (["scratch"] if a == "scratch"
                                           else [f"{a}-s{s}" for s in seeds])]
        every = [r.get("_allpoint", {}) for n in names for r in repeats_of(work, flat, box, n)[0]]
        for split in ("val", "test"):
            if all(split in e for e in every):
                metrics.append((f"{split} AP50 all-point",
                                lambda r, s=split: r["_allpoint"][s]))
    data, notes = {}, []
    for arm in arms:
        names = ["scratch"] if arm == "scratch" else [f"{arm}-s{s}" for s in seeds]
        per = {m: [] for m, _ in metrics}
        sd = {m: [] for m, _ in metrics}
        loss = []
        for n in names:
            reps, skipped = repeats_of(work, flat, box, n)
            for m, get in metrics:
                per[m].append(statistics.fmean(get(r) for r in reps))
                sd[m].append(statistics.pstdev(get(r) for r in reps) if len(reps) > 1 else None)
            loss.append(statistics.fmean(r["history"][-1]["trainLoss"] for r in reps))
            notes.append(f"{box} {n}: {len(reps)} repeat(s) (fine-tuning seeds "
                         f"{[r['seed'] for r in reps]}), {skipped} skipped step(s), "
                         f"last-epoch train loss {loss[-1]:.4f}")
        if arm == "scratch":  # one run, paired with every pretraining seed
            per = {m: v * len(seeds) for m, v in per.items()}
            sd = {m: v * len(seeds) for m, v in sd.items()}
        data[arm] = (per, sd)

    print(f"## {BOX_TITLE[box]}: percent, per pretraining seed (mean over fine-tuning repeats)")
    print("| arm | metric | " + " | ".join(f"seed {s}" for s in seeds)
          + " | mean ± sd over seeds [95 % t-interval] |")
    print("|---|---|" + "---|" * len(seeds) + "---|")
    for arm in arms:
        per, _ = data[arm]
        for m, _ in metrics:
            v = per[m]
            if arm == "scratch":
                print(f"| {ARM_TITLE.get(arm, arm)} | {m} | {v[0]:.2f} |" + " |" * (len(seeds) - 1)
                      + f" {v[0]:.2f} (one run, no pretraining seed) |")
            else:
                print(f"| {ARM_TITLE.get(arm, arm)} | {m} | " + " | ".join(f"{x:.2f}" for x in v)
                      + f" | {fmt(*t_interval(v))} |")
    print()
    print(f"Paired differences, {box} (row arm − column arm, same pretraining seed), points:")
    print("| difference | metric | " + " | ".join(f"seed {s}" for s in seeds)
          + " | mean ± sd [95 % t-interval] |")
    print("|---|---|" + "---|" * len(seeds) + "---|")
    for i, x in enumerate(arms):
        for y in arms[:i]:
            for m, _ in metrics:
                d = [p - q for p, q in zip(data[x][0][m], data[y][0][m])]
                print(f"| {ARM_TITLE.get(x, x)} − {ARM_TITLE.get(y, y)} | {m} | "
                      + " | ".join(f"{v:+.2f}" for v in d) + f" | {fmt(*t_interval(d))} |")
    print()
    print(f"Within one encoder, {box}: population std over fine-tuning repeats, mean over encoders:")
    for arm in arms:
        cells = []
        for m, _ in metrics:
            v = [s for s in data[arm][1][m] if s is not None]
            cells.append(f"{m} {statistics.fmean(v):.2f}" if v else f"{m} - (1 repeat)")
        print(f"  {arm:8} " + ", ".join(cells))
    for n in notes:
        print("  " + n)
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("--results", action="store_true",
                    help="WORK holds results-<box>-<arm>[-s<seed>][-ftN].json copies")
    ap.add_argument("--seeds", default="1 2 3")
    ap.add_argument("--arms", default="scratch mae sare")
    ap.add_argument("--boxes", default="hbb obb")
    a = ap.parse_args()
    for box in a.boxes.split():
        if box not in METRICS:
            sys.exit(f"--boxes: unknown box kind {box!r} (hbb or obb)")
        summarise(a.work, a.results, box, a.arms.split(), a.seeds.split())


if __name__ == "__main__":
    main()
