package org.specdec.model;

import org.specdec.checkpoint.ModelConfig;
import org.specdec.checkpoint.RopeScaling;

/**
 * Precomputed rotary-embedding cos/sin per position and frequency, in Hugging Face's
 * {@code rotate_half} convention: element i pairs with i + headDim/2. Frequencies follow
 * transformers' float32 computation, with Llama 3.1 ("llama3") or linear scaling applied.
 */
public final class RopeTable {
    private final int half;
    private final float[] cos;
    private final float[] sin;
    private final int positions;

    public RopeTable(ModelConfig c, int positions) {
        this.half = c.headDim() / 2;
        this.positions = positions;
        float[] invFreq = inverseFrequencies(c);
        cos = new float[positions * half];
        sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /** Inverse frequencies (headDim/2) with the config's scaling applied; the CUDA backend uploads these. */
    public static float[] inverseFrequencies(ModelConfig c) {
        int dim = c.headDim();
        int half = dim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            inv[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / dim));
        }
        RopeScaling s = c.ropeScaling();
        if (s == null) {
            return inv;
        }
        if (s.type().equals("linear")) {
            for (int i = 0; i < half; i++) {
                inv[i] = (float) (inv[i] / s.factor());
            }
            return inv;
        }
        // llama3: keep high frequencies, divide low ones by factor, blend in between
        // (transformers' _compute_llama3_parameters).
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        for (int i = 0; i < half; i++) {
            double f = inv[i];
            double wavelen = 2 * Math.PI / f;
            double scaled;
            if (wavelen < highWavelen) {
                scaled = f;
            } else if (wavelen > lowWavelen) {
                scaled = f / s.factor();
            } else {
                double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                scaled = (1 - smooth) * f / s.factor() + smooth * f;
            }
            inv[i] = (float) scaled;
        }
        return inv;
    }

    public int positions() {
        return positions;
    }

    /** Rotates {@code heads} consecutive heads of size 2*half starting at {@code off}, at position {@code pos}. */
    public void rotate(float[] x, int off, int heads, int pos) {
        int base = pos * half;
        int headDim = 2 * half;
        for (int h = 0; h < heads; h++) {
            int o = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[base + i];
                float s = sin[base + i];
                float x1 = x[o + i];
                float x2 = x[o + i + half];
                x[o + i] = x1 * c - x2 * s;
                x[o + i + half] = x2 * c + x1 * s;
            }
        }
    }
}
