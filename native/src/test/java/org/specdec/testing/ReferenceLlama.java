package org.specdec.testing;

import org.specdec.checkpoint.ModelConfig;
import org.specdec.model.LayerWeights;
import org.specdec.model.LlamaWeights;
import org.specdec.tensor.WeightTensor;

/**
 * A deliberately naive Llama forward pass in double precision, one position at a time, written
 * straight from the Hugging Face modeling code: the yardstick for the optimized backends.
 */
public final class ReferenceLlama {
    private final LlamaWeights w;
    private final ModelConfig c;
    private final double[][][] keys;
    private final double[][][] values;
    private int pos;

    public ReferenceLlama(LlamaWeights w, int maxPos) {
        this.w = w;
        this.c = w.config();
        keys = new double[c.numLayers()][maxPos][c.kvDim()];
        values = new double[c.numLayers()][maxPos][c.kvDim()];
    }

    /**
     * Feeds {@code tokens} one position at a time and checks each position's logits against
     * {@code logits} ({@code [tokens][vocab]}): max abs error relative to the max abs logit.
     */
    public static void assertMatches(LlamaWeights w, int[] tokens, float[] logits, double tolerance, String what) {
        ReferenceLlama ref = new ReferenceLlama(w, tokens.length);
        int v = w.config().vocabSize();
        for (int t = 0; t < tokens.length; t++) {
            double[] expect = ref.step(tokens[t]);
            double maxAbs = 0;
            double maxErr = 0;
            for (int i = 0; i < v; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(expect[i]));
                maxErr = Math.max(maxErr, Math.abs(expect[i] - logits[t * v + i]));
            }
            if (!(maxErr / maxAbs < tolerance)) {
                throw new AssertionError(what + " position " + t + ": relative error " + maxErr / maxAbs);
            }
        }
    }

    /** Index of the largest logit (the greedy token). */
    public static int argmax(double[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Logits after feeding {@code token} at the next position. */
    public double[] step(int token) {
        int d = c.hiddenSize();
        double[] x = new double[d];
        for (int i = 0; i < d; i++) {
            x[i] = w.embedding().get(token, i);
        }
        int hd = c.headDim();
        double[] invFreq = new double[hd / 2];
        for (int i = 0; i < hd / 2; i++) {
            invFreq[i] = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / hd);
        }
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights lw = w.layers().get(l);
            double[] xb = rms(x, lw.attentionNorm());
            double[] q = mat(lw.wq(), xb, lw.bq());
            double[] k = mat(lw.wk(), xb, lw.bk());
            double[] v = mat(lw.wv(), xb, lw.bv());
            rope(q, c.numHeads(), invFreq);
            rope(k, c.numKvHeads(), invFreq);
            keys[l][pos] = k;
            values[l][pos] = v;
            double[] att = new double[c.qDim()];
            int group = c.numHeads() / c.numKvHeads();
            for (int h = 0; h < c.numHeads(); h++) {
                int kvh = h / group;
                double[] s = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                int first = c.slidingWindow() > 0 ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
                for (int t = 0; t < first; t++) {
                    s[t] = Double.NEGATIVE_INFINITY;
                }
                for (int t = first; t <= pos; t++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[h * hd + i] * keys[l][t][kvh * hd + i];
                    }
                    s[t] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = 0; t <= pos; t++) {
                    s[t] = t < first ? 0 : Math.exp(s[t] - max);
                    sum += s[t];
                }
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < hd; i++) {
                        att[h * hd + i] += s[t] / sum * values[l][t][kvh * hd + i];
                    }
                }
            }
            double[] o = mat(lw.wo(), att, null);
            for (int i = 0; i < d; i++) {
                x[i] += o[i];
            }
            xb = rms(x, lw.ffnNorm());
            double[] g = mat(lw.wGate(), xb, null);
            double[] u = mat(lw.wUp(), xb, null);
            for (int i = 0; i < g.length; i++) {
                g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            }
            double[] down = mat(lw.wDown(), g, null);
            for (int i = 0; i < d; i++) {
                x[i] += down[i];
            }
        }
        pos++;
        return mat(w.lmHead(), rms(x, w.finalNorm()), null);
    }

    private double[] rms(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1.0 / Math.sqrt(ss / x.length + c.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    private static double[] mat(WeightTensor wt, double[] x, float[] bias) {
        double[] out = new double[wt.rows()];
        for (int r = 0; r < wt.rows(); r++) {
            double s = bias == null ? 0 : bias[r];
            for (int i = 0; i < wt.cols(); i++) {
                s += wt.get(r, i) * x[i];
            }
            out[r] = s;
        }
        return out;
    }

    private void rope(double[] v, int heads, double[] invFreq) {
        int hd = c.headDim();
        int half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double a = pos * invFreq[i];
                double x1 = v[h * hd + i];
                double x2 = v[h * hd + i + half];
                v[h * hd + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                v[h * hd + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
            }
        }
    }
}
