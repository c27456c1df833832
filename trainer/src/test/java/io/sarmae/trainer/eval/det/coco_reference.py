# Independent numpy re-implementation of pycocotools' COCOeval (iouType='bbox'), written from
# reading cocoeval.py (numpy's own linspace, argsort(kind='mergesort') and searchsorted), and the
# seeded scene generator that CocoEvaluatorReferenceTest mirrors in Java. Regenerates the expected
# rows of that test:   /usr/bin/python3 coco_reference.py   (Debian python3 + python3-numpy)
import json
import sys

import numpy as np

MASK = (1 << 64) - 1
class Lcg:
    def __init__(self, seed): self.s = seed & MASK
    def next(self, n):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.s >> 33) % n

def generate(seed):
    r = Lcg(seed); anns = []; dets = []
    for img in range(1, 9):
        for _ in range(r.next(6)):
            cat = 1 + r.next(3); x = r.next(200); y = r.next(200); w = 1 + r.next(120); h = 1 + r.next(120)
            crowd = r.next(10) == 0
            area = w * h if r.next(4) != 0 else r.next(12000)
            anns.append(dict(image_id=img, category_id=cat, bbox=[x, y, w, h], area=area, iscrowd=1 if crowd else 0))
            for _ in range(r.next(3)):
                dx = r.next(5) - 2; dy = r.next(5) - 2; dw = r.next(9) - 4; dh = r.next(9) - 4
                dcat = cat if r.next(8) != 0 else 1 + r.next(3)
                dets.append(dict(image_id=img, category_id=dcat, bbox=[x + dx, y + dy, max(1, w + dw), max(1, h + dh)], score=r.next(40) / 40.0))
        for _ in range(r.next(4)):
            dets.append(dict(image_id=img, category_id=1 + r.next(3), bbox=[r.next(250), r.next(250), 1 + r.next(100), 1 + r.next(100)], score=r.next(40) / 40.0))
    for _ in range(3):
        dets.append(dict(image_id=9, category_id=1 + r.next(3), bbox=[r.next(250), r.next(250), 1 + r.next(100), 1 + r.next(100)], score=r.next(40) / 40.0))
    return dict(images=list(range(1, 10)), categories=[1, 2, 3], annotations=anns, dets=dets)


def bbiou(d, g, crowd):
    w = min(d[0]+d[2], g[0]+g[2]) - max(d[0], g[0])
    if w <= 0: return 0.0
    h = min(d[1]+d[3], g[1]+g[3]) - max(d[1], g[1])
    if h <= 0: return 0.0
    i = w*h; da = d[2]*d[3]
    u = da if crowd else da + g[2]*g[3] - i
    return i/u


def evaluate(data):
    imgs = sorted(set(data['images'])); cats = sorted(set(data['categories']))
    iouThrs = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
    recThrs = np.linspace(.0, 1.00, int(np.round((1.00 - .0) / .01)) + 1, endpoint=True)
    maxDets = [1, 10, 100]
    areaRng = [[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]]
    gts = {}; dts = {}
    for g in data['annotations']:
        gts.setdefault((g['image_id'], g['category_id']), []).append(g)
    for k, d in enumerate(data['dets']):
        d = dict(d); d['area'] = d['bbox'][2]*d['bbox'][3]; d['id'] = k+1
        dts.setdefault((d['image_id'], d['category_id']), []).append(d)
    T, R, K, A, M = len(iouThrs), len(recThrs), len(cats), len(areaRng), len(maxDets)
    evalImgs = {}
    for k, c in enumerate(cats):
        for i, im in enumerate(imgs):
            gt = gts.get((im, c), []); dt = dts.get((im, c), [])
            if not gt and not dt: continue
            order = np.argsort([-d['score'] for d in dt], kind='mergesort')
            dt = [dt[j] for j in order][:maxDets[-1]]
            ious = np.array([[bbiou(d['bbox'], g['bbox'], g['iscrowd']) for g in gt] for d in dt]).reshape(len(dt), len(gt))
            for a, rng in enumerate(areaRng):
                ig = [1 if (g['iscrowd'] or g['area'] < rng[0] or g['area'] > rng[1]) else 0 for g in gt]
                gind = np.argsort(ig, kind='mergesort')
                gIg = np.array([ig[j] for j in gind]); crowd = [gt[j]['iscrowd'] for j in gind]
                io = ious[:, gind] if len(gt) else ious
                D = len(dt); G = len(gt)
                dtm = np.zeros((T, D)); gtm = np.zeros((T, G)); dIg = np.zeros((T, D))
                for t, thr in enumerate(iouThrs):
                    for di in range(D):
                        best = min([thr, 1-1e-10]); m = -1
                        for gi in range(G):
                            if gtm[t, gi] > 0 and not crowd[gi]: continue
                            if m > -1 and gIg[m] == 0 and gIg[gi] == 1: break
                            if io[di, gi] < best: continue
                            best = io[di, gi]; m = gi
                        if m == -1: continue
                        dIg[t, di] = gIg[m]; dtm[t, di] = 1; gtm[t, m] = dt[di]['id']
                out = np.array([d['area'] < rng[0] or d['area'] > rng[1] for d in dt]).reshape((1, D))
                dIg = np.logical_or(dIg, np.logical_and(dtm == 0, np.repeat(out, T, 0)))
                evalImgs[k, a, i] = (np.array([d['score'] for d in dt]), dtm, dIg, gIg)
    precision = -np.ones((T, R, K, A, M)); recall = -np.ones((T, K, A, M))
    for k in range(K):
        for a in range(A):
            for m, md in enumerate(maxDets):
                E = [evalImgs[k, a, i] for i in range(len(imgs)) if (k, a, i) in evalImgs]
                if not E: continue
                sc = np.concatenate([e[0][:md] for e in E])
                inds = np.argsort(-sc, kind='mergesort')
                dtm = np.concatenate([e[1][:, :md] for e in E], axis=1)[:, inds]
                dIg = np.concatenate([e[2][:, :md] for e in E], axis=1)[:, inds]
                gIg = np.concatenate([e[3] for e in E])
                npig = np.count_nonzero(gIg == 0)
                if npig == 0: continue
                tps = np.logical_and(dtm, np.logical_not(dIg)); fps = np.logical_and(np.logical_not(dtm), np.logical_not(dIg))
                tp_sum = np.cumsum(tps, axis=1).astype(float); fp_sum = np.cumsum(fps, axis=1).astype(float)
                for t in range(T):
                    tp = tp_sum[t]; fp = fp_sum[t]; nd = len(tp)
                    rc = tp / npig; pr = tp / (fp + tp + np.spacing(1))
                    recall[t, k, a, m] = rc[-1] if nd else 0
                    pr = pr.tolist(); q = [0.0] * R
                    for j in range(nd - 1, 0, -1):
                        if pr[j] > pr[j - 1]: pr[j - 1] = pr[j]
                    idx = np.searchsorted(rc, recThrs, side='left')
                    for ri, pi in enumerate(idx):
                        if pi >= nd: break
                        q[ri] = pr[pi]
                    precision[t, :, k, a, m] = np.array(q)
    def summ(ap, thr=None, area=0, md=100):
        mi = maxDets.index(md)
        if ap:
            s = precision
            if thr is not None: s = s[np.where(thr == iouThrs)[0]]
            s = s[:, :, :, area, mi]
        else:
            s = recall
            if thr is not None: s = s[np.where(thr == iouThrs)[0]]
            s = s[:, :, area, mi]
        return -1 if len(s[s > -1]) == 0 else float(np.mean(s[s > -1]))
    stats = [summ(1), summ(1, .5), summ(1, .75), summ(1, area=1), summ(1, area=2), summ(1, area=3),
             summ(0, md=1), summ(0, md=10), summ(0), summ(0, area=1), summ(0, area=2), summ(0, area=3)]
    return stats


if __name__ == '__main__':
    for seed in range(1, 7):
        d = generate(seed)
        stats = evaluate(d)
        print('      {%d, %d, %d, %r, %s},' % (seed, len(d['annotations']), len(d['dets']),
              sum(x['score'] for x in d['dets']), ', '.join(repr(s) for s in stats)))
