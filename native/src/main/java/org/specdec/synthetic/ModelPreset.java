package org.specdec.synthetic;

import java.util.List;
import java.util.Locale;

/**
 * The shape of a synthetic Llama model. The lm_head is always untied: its own scale is what
 * makes the output distribution peaky (see {@link WeightInit}).
 */
public record ModelPreset(String name, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
                          int intermediateSize, int vocabSize, int maxPositionEmbeddings) {

    public ModelPreset {
        if (hiddenSize % numHeads != 0 || (hiddenSize / numHeads) % 2 != 0 || numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("preset " + name + ": hidden " + hiddenSize + " must split into "
                    + numHeads + " heads of even size, and heads into " + numKvHeads + " kv heads");
        }
        if (vocabSize < Vocabulary.FIRST_WORD_ID + 1) {
            throw new IllegalArgumentException("preset " + name + ": vocab " + vocabSize + " too small");
        }
    }

    /** For tests: runs a forward pass in milliseconds. */
    public static final ModelPreset TINY = new ModelPreset("tiny", 64, 4, 4, 2, 172, 512, 512);
    public static final ModelPreset SMALL = new ModelPreset("small", 256, 6, 8, 4, 688, 4096, 1024);
    /** A ~15M-parameter draft for the 110m target (same 32000-word vocabulary). */
    public static final ModelPreset DRAFT_15M = new ModelPreset("draft15m", 192, 6, 6, 3, 512, 32000, 1024);
    /**
     * stories110M's layer shapes and vocabulary size, as llama.cpp's comparison model; with the
     * untied head it holds 134M parameters.
     */
    public static final ModelPreset M110 = new ModelPreset("110m", 768, 12, 12, 12, 2048, 32000, 1024);

    public static final List<ModelPreset> ALL = List.of(TINY, SMALL, DRAFT_15M, M110);

    public static ModelPreset named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("15m")) {
            return DRAFT_15M;
        }
        for (ModelPreset p : ALL) {
            if (p.name.equals(n)) {
                return p;
            }
        }
        if (n.startsWith("shape:")) {
            // shape:hidden,layers,heads,kvHeads,intermediate,vocab,maxPositions (GPU benchmarks)
            String[] f = n.substring(6).split(",");
            if (f.length != 7) {
                throw new IllegalArgumentException("preset '" + name
                        + "': use shape:hidden,layers,heads,kvHeads,intermediate,vocab,maxPositions");
            }
            int[] v = new int[7];
            for (int i = 0; i < 7; i++) {
                v[i] = Integer.parseInt(f[i].strip());
            }
            return new ModelPreset(n, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
        throw new IllegalArgumentException("unknown preset '" + name
                + "' (use tiny, small, draft15m/15m, 110m or shape:hidden,layers,heads,kv,ff,vocab,maxpos)");
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    public int kvDim() {
        return numKvHeads * headDim();
    }

    public long parameterCount() {
        long h = hiddenSize;
        long perLayer = 2 * h                              // input and post-attention norms
                + h * h + 2 * kvDim() * h + h * h          // q, k, v, o
                + 3 * h * intermediateSize;                // gate, up, down
        return 2L * vocabSize * h + numLayers * perLayer + h;  // embed + head, layers, final norm
    }

    /**
     * A smaller model of its own for the {@code independent} draft: half the width and heads
     * (same head size), a third of the layers, the same vocabulary.
     */
    public ModelPreset independentDraft() {
        int heads = Math.max(1, numHeads / 2);
        int kv = Math.max(1, numKvHeads / 2);
        while (heads % kv != 0) {
            kv--;
        }
        return new ModelPreset(name + "-draft", heads * headDim(), Math.max(1, numLayers / 3), heads, kv,
                Math.max(2, intermediateSize / 2), vocabSize, maxPositionEmbeddings);
    }
}
