package org.specdec.engine;

import org.specdec.sampling.SamplingParams;

import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * What every row of one engine shares: the limits its sequence lives within, how its text is
 * decoded and when it ends, and the labels of its output row.
 *
 * @param maxContext  longest prompt + generation a row may have
 * @param maxK        longest draft block (0 without a drafter)
 * @param draftVocab  vocabulary size of the draft's distributions q
 * @param codec       the target's tokenizer, or null (rows then carry token ids only)
 * @param eos         token ids that end a row (unless its params ignore EOS)
 * @param device      "cpu" or "cuda:N"
 * @param targetModel the target's name in the output
 * @param draftModel  the draft's name in the output, or null
 */
record RowContext(int maxContext, int maxK, int draftVocab, TextCodec codec, Set<Integer> eos, String device,
                  String targetModel, String draftModel) {

    RowContext {
        eos = Collections.unmodifiableSet(new HashSet<>(eos));
    }

    /** A row that failed validation or decoding: it still appears in the output, with this engine's labels. */
    GenerationResult error(String id, String message, int promptTokens, SamplingParams p) {
        return GenerationResult.error(id, message, promptTokens, device, targetModel, draftModel,
                p == null ? 0 : p.temperature(), p == null ? 1 : p.topP(), p == null ? 0 : p.seed());
    }
}
