package org.specdec.speculative;

import org.specdec.backend.AcceptanceRows;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.sampling.LogitsProcessor;
import org.specdec.sampling.SamplingParams;

import java.util.SplittableRandom;

/**
 * Decides which drafted tokens a row keeps, so that the output distribution is exactly the
 * target's (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative Decoding",
 * Algorithm 1; Chen et al. 2023). Notation as in the paper: p = target distribution, q = draft
 * distribution, x_i = drafted token at block position i, gamma = k.
 * <ul>
 *   <li>greedy: accept x_i while it equals argmax p_i; then emit argmax p at the first mismatch,
 *       or the bonus argmax p_gamma when every draft was accepted;</li>
 *   <li>sampled: accept x_i with probability min(1, p_i(x_i) / q_i(x_i)); at the first rejection
 *       emit a sample of norm(max(0, p_i - q_i)); if all gamma were accepted emit a sample of
 *       p_gamma.</li>
 * </ul>
 * As the host {@link Verifier} it runs the target's forward pass and applies the rule to each
 * row's logits; a row whose logits hold a NaN is left undecided and marked (greedy and sampled
 * choices would both read it as token 0). Not thread-safe: owns scratch distributions.
 */
public final class RejectionSampler implements Verifier {
    private final ModelRunner target;
    private final LogitsProcessor processor = new LogitsProcessor();
    private float[] p = new float[0];

    /** @param target the model whose distribution the output must have */
    public RejectionSampler(ModelRunner target) {
        this.target = target;
    }

    @Override
    public void verify(ForwardBatch batch, AcceptanceRows rows) {
        rows.requireMatches(batch);
        float[] logits = target.forward(batch);
        int vocabT = target.config().vocabSize();
        int off = 0;
        for (int r = 0; r < rows.rows; r++) {
            int gamma = rows.k[r];
            int size = (gamma + 1) * vocabT;
            rows.nanLogits[r] = LogitsProcessor.containsNaN(logits, off, size);
            if (rows.nanLogits[r]) {
                rows.accepted[r] = 0;
            } else if (rows.params[r].isGreedy()) {
                rows.accepted[r] = verifyGreedy(logits, off, vocabT, rows.drafts[r], gamma, rows.out[r]);
            } else {
                rows.accepted[r] = verifySampled(logits, off, vocabT, rows.drafts[r], gamma, rows.q[r],
                        rows.draftVocab, rows.params[r], rows.rng[r], rows.out[r]);
            }
            off += size;
        }
    }

    /**
     * @param logits   target logits for gamma+1 positions, {@code [gamma+1][vocabT]} from {@code off}
     * @param drafts   x_0..x_{gamma-1}
     * @param out      receives the accepted drafts followed by the emitted token
     * @return the number of accepted drafts (out holds that many + 1 tokens)
     */
    public int verifyGreedy(float[] logits, int off, int vocabT, int[] drafts, int gamma, int[] out) {
        for (int i = 0; i < gamma; i++) {
            int best = LogitsProcessor.argmax(logits, off + i * vocabT, vocabT);
            if (drafts[i] != best) {
                out[i] = best;
                return i;
            }
            out[i] = drafts[i];
        }
        out[gamma] = LogitsProcessor.argmax(logits, off + gamma * vocabT, vocabT);
        return gamma;
    }

    /**
     * @param q       the draft distributions q_0..q_{gamma-1}, {@code [gamma][vocabD]}, as sampled from
     * @param rng     the row's own generator (one uniform per decision, so rows never share draws)
     */
    public int verifySampled(float[] logits, int off, int vocabT, int[] drafts, int gamma, float[] q, int vocabD,
                             SamplingParams params, SplittableRandom rng, int[] out) {
        if (p.length < vocabT) {
            p = new float[vocabT];
        }
        for (int i = 0; i < gamma; i++) {
            processor.probabilities(logits, off + i * vocabT, vocabT, params, p);
            int x = drafts[i];
            float px = x < vocabT ? p[x] : 0f;
            float qx = q[i * vocabD + x];
            double r = rng.nextDouble();
            if (qx > 0 && r < Math.min(1.0, (double) px / qx)) {
                out[i] = x;
                continue;
            }
            // Rejected: sample from the residual norm(max(0, p - q)).
            double mass = 0;
            int qBase = i * vocabD;
            for (int t = 0; t < vocabT; t++) {
                float qt = t < vocabD ? q[qBase + t] : 0f;
                float resid = p[t] - qt;
                p[t] = resid > 0 ? resid : 0f;
                mass += p[t];
            }
            if (mass <= 0) {
                // p == q up to rounding: the residual is empty, so fall back to p itself.
                processor.probabilities(logits, off + i * vocabT, vocabT, params, p);
            }
            out[i] = LogitsProcessor.sample(p, vocabT, rng.nextDouble());
            return i;
        }
        processor.probabilities(logits, off + gamma * vocabT, vocabT, params, p);
        out[gamma] = LogitsProcessor.sample(p, vocabT, rng.nextDouble());
        return gamma;
    }
}
