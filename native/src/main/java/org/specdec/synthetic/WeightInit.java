package org.specdec.synthetic;

/**
 * How synthetic weights are drawn. Plain small-std random Llama weights give near-uniform
 * logits and layers that each replace the residual stream, so every draft would agree with its
 * target at chance level. Benchmarks need a spread of acceptance rates instead, so:
 * <ul>
 * <li>embeddings have std 1 and dominate the residual stream;</li>
 * <li>each layer's output projections (o_proj, down_proj) are scaled by
 *     {@code residualScale * depthDecay^layer}: early layers set the prediction, later layers only
 *     perturb it, so the first n layers (a self-draft) agree with the full model part of the time;</li>
 * <li>the untied lm_head is scaled so logits have std {@code logitStd}: a peaky, non-uniform
 *     output distribution like a trained model's.</li>
 * </ul>
 * Inputs to every projection are RMS-normalised (rms 1), so {@code std / sqrt(fanIn)} gives
 * outputs of std {@code std}.
 *
 * @param qkStd         std of q and k entries; attention scores have std about qkStd^2
 * @param residualScale std of a layer-0 attention or MLP output relative to the embedding
 * @param depthDecay    factor per layer on that std
 * @param logitStd      std of the logits
 */
public record WeightInit(double qkStd, double residualScale, double depthDecay, double logitStd) {
    /**
     * Tuned with the reference forward pass in the tests (SelfDraftAgreementTest). Greedy
     * agreement of the first-n-layers self-draft with its target, seed 7: tiny (4 layers)
     * n=1 0.46, n=2 0.67; small (6) n=2 0.44; a 12-layer model n=1 0.34, n=2 0.51, n=4 0.68,
     * n=8 0.88. A faster decay (0.65) pushed 2-of-12 to 0.69 and 8-of-12 to 0.96, leaving
     * little room between self-drafts and the identical draft. logitStd 4 gives a peaked but
     * not one-hot distribution for sampled decoding.
     */
    public static final WeightInit DEFAULT = new WeightInit(1.0, 0.6, 0.75, 4.0);

    double embedStd() {
        return 1.0;
    }

    double projectionStd(int fanIn) {
        return 1.0 / Math.sqrt(fanIn);
    }

    double qkStd(int fanIn) {
        return qkStd / Math.sqrt(fanIn);
    }

    /** o_proj and down_proj of layer {@code layer}. */
    double outputStd(int fanIn, int layer) {
        return residualScale * Math.pow(depthDecay, layer) / Math.sqrt(fanIn);
    }

    double lmHeadStd(int hidden) {
        return logitStd / Math.sqrt(hidden);
    }
}
