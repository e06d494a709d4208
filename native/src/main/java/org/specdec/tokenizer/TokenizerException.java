package org.specdec.tokenizer;

/**
 * A tokenizer file ({@code tokenizer.json}, {@code tokenizer_config.json}) is missing, malformed or
 * inconsistent. The message always names the file and, where there is one, the field.
 */
public final class TokenizerException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
