package org.specdec.pair;

/**
 * A draft model cannot serve a target: their vocabularies differ. A startup error; the message
 * names both sizes and the first differing token (see {@link VocabularyCheck}).
 */
public final class PairMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PairMismatchException(String message) {
        super(message);
    }
}
