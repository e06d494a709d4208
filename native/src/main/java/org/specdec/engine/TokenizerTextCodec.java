package org.specdec.engine;

import org.specdec.tokenizer.IncrementalDetokenizer;
import org.specdec.tokenizer.TextTokenizer;

/** The engine's view of a Hugging Face tokenizer. */
final class TokenizerTextCodec implements TextCodec {
    private final TextTokenizer tokenizer;

    TokenizerTextCodec(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    @Override
    public Detokenizer newDetokenizer(int[] promptIds) {
        IncrementalDetokenizer d = new IncrementalDetokenizer(tokenizer, promptIds);
        return new Detokenizer() {
            @Override
            public String push(int tokenId) {
                return d.push(tokenId);
            }

            @Override
            public String flush() {
                return d.flush();
            }
        };
    }
}
