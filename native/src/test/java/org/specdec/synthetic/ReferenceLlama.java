package org.specdec.synthetic;

import org.specdec.checkpoint.Checkpoint;
import org.specdec.checkpoint.ModelConfig;

/**
 * A naive Llama forward pass (RMSNorm, RoPE with rotate_half, grouped-query causal attention,
 * SwiGLU), for tests only: it measures how synthetic weights behave before the real backends
 * exist. Clarity over speed; weights are expanded to F32 on the heap (small models only).
 */
final class ReferenceLlama {
    private final ModelConfig c;
    private final float[] embed;
    private final float[] finalNorm;
    private final float[] lmHead;
    private final float[][] wq, wk, wv, wo, wg, wu, wd, attnNorm, mlpNorm;

    ReferenceLlama(Checkpoint ck) {
        c = ck.config();
        embed = ck.tensor("model.embed_tokens.weight").toFloatArray();
        finalNorm = ck.tensor("model.norm.weight").toFloatArray();
        lmHead = ck.tensor(c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight").toFloatArray();
        int n = c.numLayers();
        wq = new float[n][]; wk = new float[n][]; wv = new float[n][]; wo = new float[n][];
        wg = new float[n][]; wu = new float[n][]; wd = new float[n][];
        attnNorm = new float[n][]; mlpNorm = new float[n][];
        for (int l = 0; l < n; l++) {
            String p = "model.layers." + l + ".";
            wq[l] = ck.tensor(p + "self_attn.q_proj.weight").toFloatArray();
            wk[l] = ck.tensor(p + "self_attn.k_proj.weight").toFloatArray();
            wv[l] = ck.tensor(p + "self_attn.v_proj.weight").toFloatArray();
            wo[l] = ck.tensor(p + "self_attn.o_proj.weight").toFloatArray();
            wg[l] = ck.tensor(p + "mlp.gate_proj.weight").toFloatArray();
            wu[l] = ck.tensor(p + "mlp.up_proj.weight").toFloatArray();
            wd[l] = ck.tensor(p + "mlp.down_proj.weight").toFloatArray();
            attnNorm[l] = ck.tensor(p + "input_layernorm.weight").toFloatArray();
            mlpNorm[l] = ck.tensor(p + "post_attention_layernorm.weight").toFloatArray();
        }
    }

    /** Logits at every position of {@code tokens}, using only the first {@code layers} layers. */
    float[][] forward(int[] tokens, int layers) {
        int t = tokens.length;
        int h = c.hiddenSize();
        int hd = c.headDim();
        float[][] x = new float[t][];
        for (int i = 0; i < t; i++) {
            x[i] = new float[h];
            System.arraycopy(embed, tokens[i] * h, x[i], 0, h);
        }
        for (int l = 0; l < layers; l++) {
            float[][] q = new float[t][], k = new float[t][], v = new float[t][];
            for (int i = 0; i < t; i++) {
                float[] xn = rmsnorm(x[i], attnNorm[l]);
                q[i] = matvec(wq[l], xn, c.qDim());
                k[i] = matvec(wk[l], xn, c.kvDim());
                v[i] = matvec(wv[l], xn, c.kvDim());
                rope(q[i], i, c.numHeads());
                rope(k[i], i, c.numKvHeads());
            }
            int group = c.numHeads() / c.numKvHeads();
            for (int i = 0; i < t; i++) {
                float[] att = new float[c.qDim()];
                for (int head = 0; head < c.numHeads(); head++) {
                    int kvOff = (head / group) * hd;
                    float[] s = new float[i + 1];
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        float dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[i][head * hd + d] * k[j][kvOff + d];
                        }
                        s[j] = dot / (float) Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    float sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = (float) Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int d = 0; d < hd; d++) {
                            att[head * hd + d] += s[j] / sum * v[j][kvOff + d];
                        }
                    }
                }
                add(x[i], matvec(wo[l], att, h));
                float[] xn = rmsnorm(x[i], mlpNorm[l]);
                float[] g = matvec(wg[l], xn, c.intermediateSize());
                float[] u = matvec(wu[l], xn, c.intermediateSize());
                for (int j = 0; j < g.length; j++) {
                    g[j] = g[j] / (1f + (float) Math.exp(-g[j])) * u[j];
                }
                add(x[i], matvec(wd[l], g, h));
            }
        }
        float[][] logits = new float[t][];
        for (int i = 0; i < t; i++) {
            logits[i] = matvec(lmHead, rmsnorm(x[i], finalNorm), c.vocabSize());
        }
        return logits;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private float[] rmsnorm(float[] x, float[] w) {
        double ss = 0;
        for (float f : x) {
            ss += f * f;
        }
        float scale = (float) (1.0 / Math.sqrt(ss / x.length + c.rmsNormEps()));
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * w[i];
        }
        return out;
    }

    /** Hugging Face's rotate_half convention: dimension i pairs with i + headDim/2. */
    private void rope(float[] v, int pos, int heads) {
        int hd = c.headDim();
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < hd / 2; i++) {
                double freq = Math.pow(c.ropeTheta(), -2.0 * i / hd);
                double a = pos * freq;
                float cos = (float) Math.cos(a);
                float sin = (float) Math.sin(a);
                int o = head * hd;
                float x1 = v[o + i];
                float x2 = v[o + i + hd / 2];
                v[o + i] = x1 * cos - x2 * sin;
                v[o + i + hd / 2] = x2 * cos + x1 * sin;
            }
        }
    }

    private static float[] matvec(float[] w, float[] x, int rows) {
        int cols = x.length;
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            float s = 0;
            int off = r * cols;
            for (int j = 0; j < cols; j++) {
                s += w[off + j] * x[j];
            }
            out[r] = s;
        }
        return out;
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
