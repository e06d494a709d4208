package org.specdec.engine;

/** What the engine needs from a tokenizer: prompts to ids, and ids back to text incrementally. */
public interface TextCodec {

    /** Token ids of a prompt, BOS included when the model expects it. */
    int[] encode(String text);

    /** A fresh per-row detokenizer; the prompt's last ids give the first token its left context. */
    Detokenizer newDetokenizer(int[] promptIds);

    /** Turns a row's generated ids into text one id at a time, never splitting a UTF-8 character. */
    interface Detokenizer {
        /** Text completed by this id (may be empty). */
        String push(int tokenId);

        /** Text still held back at the end of the row. */
        String flush();
    }
}
