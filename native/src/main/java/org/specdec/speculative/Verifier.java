package org.specdec.speculative;

import org.specdec.backend.AcceptanceRows;
import org.specdec.backend.DeviceAcceptance;
import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;

/**
 * The verification half of a speculative step: ONE target pass over every row's uncached tokens
 * followed by its drafts, then the rejection rule per row (accepted drafts, then one token of the
 * target's own). Two implementations follow the same rules, so the output distribution is the
 * target's with either: {@link RejectionSampler} decides on the host from the logits, and a
 * {@link DeviceAcceptance} target (CUDA) decides on the device, where only the accepted ids leave it.
 */
public interface Verifier {

    /**
     * Runs the target pass over {@code batch} and fills, for every row r of {@code rows} (row r of
     * the batch, with logits for its last k+1 tokens), {@code out[r][0..accepted]},
     * {@code accepted[r]} and {@code nanLogits[r]}.
     */
    void verify(ForwardBatch batch, AcceptanceRows rows);

    /** The device's verifier where the target runner has one, otherwise the host's rejection sampler. */
    static Verifier forTarget(ModelRunner target) {
        return target instanceof DeviceAcceptance device ? device::forwardAndAccept : new RejectionSampler(target);
    }
}
