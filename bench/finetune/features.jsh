// Diagnostic for docs/results.md: how much do an encoder's pooled features vary between images,
// and how well does a nearest-class-mean classifier on them do (10-shot, no training)?
// Run: FEAT_INITS="none a/final b/final" FEAT_DATA=labelled FEAT_PATCH=16 \
//      jshell --class-path trainer/target/sarmae-trainer-*-all.jar bench/finetune/features.jsh
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.sarmae.trainer.model.*;
import io.sarmae.trainer.finetune.*;
import io.sarmae.trainer.data.ImageDecoder;
import io.sarmae.trainer.data.ImageFolder;
import io.sarmae.trainer.data.LabelledImages;
import java.nio.file.*;
import java.util.*;

int patch = Integer.parseInt(System.getenv().getOrDefault("FEAT_PATCH", "16"));
int size = Integer.parseInt(System.getenv().getOrDefault("FEAT_SIZE", "32"));
Path data = Path.of(System.getenv().getOrDefault("FEAT_DATA", "labelled"));
String[] inits = System.getenv().getOrDefault("FEAT_INITS", "none").split(" ");
ImageDecoder dec = new ImageDecoder(ImageDecoder.Scaling.PERCENTILE);
ImageFolder train = ImageFolder.scan(data, "Train");
ImageFolder val = ImageFolder.scan(data, "Val");
LabelledImages tr = LabelledImages.decode(train, Splits.kShot(train, 10, 0), dec, 3, size);
LabelledImages va = LabelledImages.decode(val, val.samples(), dec, 3, size);

float[][] features(MaskedAutoencoderViT mae, ParameterStore ps, NDManager m, LabelledImages im) {
  int per = 3 * size * size;
  float[][] out = new float[im.size()][];
  for (int i = 0; i < im.size(); i++) {
    float[] x = im.image(i).clone();
    for (int j = 0; j < x.length; j++) x[j] = 2 * x[j] - 1;
    try (NDManager s = m.newSubManager()) {
      NDArray t = s.create(x, new Shape(1, 3, size, size));
      NDArray f = mae.forwardFeatures(ps, t, false, false).get(new ai.djl.ndarray.index.NDIndex("0, 1:, :")).mean(new int[] {0});
      float[] v = f.toFloatArray();
      double mu = 0, var = 0;
      for (float a : v) mu += a;
      mu /= v.length;
      for (float a : v) var += (a - mu) * (a - mu);
      var /= v.length;
      for (int j = 0; j < v.length; j++) v[j] = (float) ((v[j] - mu) / Math.sqrt(var + 1e-6));
      out[i] = v;
    }
  }
  return out;
}

for (String init : inits) {
  try (NDManager m = NDManager.newBaseManager()) {
    ai.djl.engine.Engine.getInstance().setRandomSeed(0);
    MaskedAutoencoderViT mae = MaskedAutoencoderViT.builder().setSpec(VitSpec.of("tiny", size, patch, 3, 128, 2, 4)).build();
    mae.initialize(m);
    if (!init.equals("none")) {
      Map<String, Parameter> named = mae.referenceStateDict();
      try (var files = Files.list(Path.of(init))) {
        for (Path f : files.filter(p -> p.getFileName().toString().startsWith("model-")).toList()) {
          for (NDArray a : NDList.decode(m, Files.readAllBytes(f))) {
            Parameter p = named.get(a.getName().replaceFirst("^sar_encoder\\.", ""));
            if (p != null) p.getArray().set(a.toByteBuffer());
          }
        }
      }
    }
    ParameterStore ps = new ParameterStore(m, false);
    float[][] ft = features(mae, ps, m, tr);
    float[][] fv = features(mae, ps, m, va);
    int d = fv[0].length;
    // between-image share of the variance of the normalised features (1 = all variation is per image)
    double[] mean = new double[d];
    for (float[] v : fv) for (int j = 0; j < d; j++) mean[j] += v[j] / fv.length;
    double between = 0, total = 0;
    for (float[] v : fv) for (int j = 0; j < d; j++) { between += Math.pow(v[j] - mean[j], 2); total += v[j] * v[j]; }
    // nearest class mean (cosine) from the 10-shot subset
    double[][] cm = new double[6][d];
    int[] cn = new int[6];
    for (int i = 0; i < ft.length; i++) { cn[tr.label(i)]++; for (int j = 0; j < d; j++) cm[tr.label(i)][j] += ft[i][j]; }
    for (int c = 0; c < 6; c++) for (int j = 0; j < d; j++) cm[c][j] = cm[c][j] / cn[c] - 0;
    int correct = 0;
    for (int i = 0; i < fv.length; i++) {
      int best = -1; double bs = -1e9;
      for (int c = 0; c < 6; c++) {
        double dot = 0, n = 0;
        for (int j = 0; j < d; j++) { double a = cm[c][j] - mean[j]; dot += (fv[i][j] - mean[j]) * a; n += a * a; }
        double sc = dot / Math.sqrt(n + 1e-12);
        if (sc > bs) { bs = sc; best = c; }
      }
      if (best == va.label(i)) correct++;
    }
    System.out.printf(Locale.ROOT, "%-40s between-image variance share %.4f, nearest-class-mean top-1 %.1f %%%n", init, between / total, 100.0 * correct / fv.length);
  }
}
/exit
