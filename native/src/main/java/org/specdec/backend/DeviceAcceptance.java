package org.specdec.backend;

/**
 * A target runner that decides acceptance where its logits are: the target pass and the
 * rejection sampler run on the device, and only the accepted ids and counts come back to the host
 * (never the [rows x (k+1) x vocab] logits). The speculative decoder verifies with it when the
 * target runner implements it (the CUDA runner does); otherwise it calls {@code forward} and
 * decides on the host. Both follow the same rules (greedy match; min(1, p/q) with the residual
 * norm(max(0, p - q)); a bonus token when every draft is accepted), so the output distribution is
 * the target's either way.
 */
public interface DeviceAcceptance {

    /**
     * Runs the target pass over {@code batch} (row r of the batch is row r of {@code rows}, whose
     * logit positions are its last k+1 tokens) and fills {@code rows.out[r][0..accepted]} and
     * {@code rows.accepted[r]} for every row.
     */
    void forwardAndAccept(ForwardBatch batch, AcceptanceRows rows);
}
