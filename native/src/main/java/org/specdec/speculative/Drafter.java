package org.specdec.speculative;

import org.specdec.kv.KvCache;

/** Proposes draft tokens for a batch of rows (vLLM's "proposer"). */
public interface Drafter extends AutoCloseable {

    KvCache newCache(int capacity);

    /** Vocabulary size of the draft's distributions q. */
    int vocabSize();

    /** Fills drafts (and q for sampled rows) for every row of the batch. */
    void propose(DraftBatch batch);

    /** Draft model name for the output ("self:N" for a self-draft). */
    String name();

    @Override
    default void close() {
    }
}
