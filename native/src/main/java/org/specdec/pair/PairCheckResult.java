package org.specdec.pair;

import java.util.List;

/**
 * Outcome of {@link VocabularyCheck}: what {@code specdecode check-pair} prints and what the
 * engine logs at startup.
 *
 * @param ok       the pair may decode together
 * @param error    why not (null when ok): names both sizes and the first differing token
 * @param warnings differences that keep the output correct but are worth knowing (EOS ids, extra
 *                 tokens on one side, a side without tokenizer.json)
 * @param summary  one line for a report
 */
public record PairCheckResult(boolean ok, String error, List<String> warnings, String summary) {
    public PairCheckResult {
        warnings = List.copyOf(warnings);
        if (ok != (error == null)) {
            throw new IllegalArgumentException("ok must be true exactly when there is no error");
        }
    }
}
