package org.specdec.tokenizer;

import java.util.Arrays;

/**
 * Streams the text of one row token by token, the way vLLM's {@code detokenize_incrementally}
 * and Hugging Face's {@code TextStreamer} do it.
 *
 * <p>Why not decode each token alone: a SentencePiece piece's leading "▁" becomes a space only
 * inside a sequence (the decoder strips it at the start of a text), and byte-fallback pieces
 * ({@code <0xE2>}) or byte-level BPE pieces carry parts of one UTF-8 character. So each push
 * decodes a short window of recent ids twice, with and without the new ones, and emits only the
 * difference (the prefix-offset technique): {@code prefixOffset..readOffset} are ids already
 * emitted and kept as left context, {@code readOffset..end} are ids not yet emitted. While the
 * window's text ends with U+FFFD (an unfinished character) nothing is emitted.
 *
 * <p>Cost per token: at most two decodes of a window that stays short (the ids of the last
 * emission plus the pending ones; a UTF-8 character spans at most 4 byte pieces). Only a run of
 * {@value #MAX_PENDING} tokens that never completes a character (invalid UTF-8 from the model, or
 * only skipped special tokens) forces an emission, U+FFFD included, so the window stays bounded.
 *
 * <p>Invariant (tested): without context, the concatenation of every {@link #push} and the final
 * {@link #flush} equals {@link TextTokenizer#decode} of all pushed ids. With prompt ids as context
 * the first token gets its leading space as in vLLM, so prompt text + streamed text reads right.
 * One instance per row; not thread-safe (a row is decoded by one thread at a time).
 */
public final class IncrementalDetokenizer {
    /** Pending ids after which text is emitted even if it ends with U+FFFD. */
    static final int MAX_PENDING = 16;
    /** Prompt ids kept as left context (vLLM uses 5). */
    static final int CONTEXT = 5;
    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private int[] window = new int[32];
    private int size;
    /** Window positions: [0, readOffset) already emitted (context), [readOffset, size) pending. */
    private int readOffset;
    /** Length of decode(window[0, readOffset)): the part of the window's text already emitted. */
    private int emittedChars;

    /** A detokenizer for generated ids with no left context. */
    public IncrementalDetokenizer(TextTokenizer tokenizer) {
        this(tokenizer, new int[0]);
    }

    /** A detokenizer whose first tokens are read after the last {@value #CONTEXT} of {@code promptIds}. */
    public IncrementalDetokenizer(TextTokenizer tokenizer, int[] promptIds) {
        this.tokenizer = tokenizer;
        int from = Math.max(0, promptIds.length - CONTEXT);
        for (int i = from; i < promptIds.length; i++) {
            append(promptIds[i]);
        }
        readOffset = size;
        emittedChars = size == 0 ? 0 : tokenizer.decode(window, 0, size).length();
    }

    /** Adds one generated id; returns the text it completes (often "", never half a character). */
    public String push(int tokenId) {
        append(tokenId);
        String text = tokenizer.decode(window, 0, size);
        boolean unfinished = !text.isEmpty() && text.charAt(text.length() - 1) == REPLACEMENT;
        if (size - readOffset < MAX_PENDING && (unfinished || text.length() <= emittedChars)) {
            return "";
        }
        String out = text.length() > emittedChars ? text.substring(emittedChars) : "";
        slide();
        return out;
    }

    /** The text still held back at the end of the row (an unfinished character shows as U+FFFD). */
    public String flush() {
        if (size == readOffset) {
            return "";
        }
        String text = tokenizer.decode(window, 0, size);
        String out = text.length() > emittedChars ? text.substring(emittedChars) : "";
        slide();
        return out;
    }

    /** Ids currently held in the window (context + pending); for tests of the bound. */
    int windowSize() {
        return size;
    }

    /** The ids just emitted become the new left context; older ids are dropped. */
    private void slide() {
        int keep = size - readOffset;
        System.arraycopy(window, readOffset, window, 0, keep);
        size = keep;
        readOffset = keep;
        emittedChars = tokenizer.decode(window, 0, size).length();
    }

    private void append(int id) {
        if (size == window.length) {
            window = Arrays.copyOf(window, size * 2);
        }
        window[size++] = id;
    }
}
