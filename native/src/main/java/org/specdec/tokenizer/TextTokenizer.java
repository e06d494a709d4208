package org.specdec.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.specdec.checkpoint.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Text ↔ token ids for one model, through the Hugging Face {@code tokenizer.json} (DJL's binding
 * of the Rust {@code tokenizers} library, the implementation {@code transformers} uses).
 *
 * <p>Why a wrapper: the engine needs a few things DJL does not decide for it. BOS is added by
 * this class from {@link SpecialTokens} (the tokenizer config), never doubled, and nothing else is
 * added (no EOS, no truncation, no padding). {@link #tokenString} gives raw pieces for the pair
 * check. Ids outside the vocabulary (a model's padding rows, e.g. Phi-3's 32011..32063) decode to
 * nothing instead of failing.
 *
 * <p>Native library: DJL's jar bundles the CPU build of the Rust library for linux-x86_64. On a
 * machine with CUDA, DJL would otherwise look for a CUDA build and download it; this class sets
 * the system property {@code RUST_FLAVOR=cpu} (unless the environment or the JVM already sets
 * {@code RUST_FLAVOR}) so that the bundled library is used and nothing is fetched.
 *
 * <p>Thread safety: {@link #encode} and {@link #decode} may be called from many threads at once
 * (the Rust {@code Tokenizer} is {@code Sync}; DJL keeps no mutable state per call, and the
 * settings fixed here are never changed after construction). {@link #close} must happen after
 * the last use: it frees the native tokenizer.
 */
public final class TextTokenizer implements AutoCloseable {
    static {
        if (System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
    }

    /** Fixed DJL options: nothing added or cut behind our back; BOS is ours to add. */
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer hf;
    private final String[] pieces;
    private final SpecialTokens special;
    private final Path dir;

    private TextTokenizer(HuggingFaceTokenizer hf, String[] pieces, SpecialTokens special, Path dir) {
        this.hf = hf;
        this.pieces = pieces;
        this.special = special;
        this.dir = dir;
    }

    /** Whether {@code dir} has a {@code tokenizer.json} (a model without one runs on token ids). */
    public static boolean available(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    /**
     * Opens the tokenizer of a model directory; BOS / EOS ids of {@code config.json} and
     * {@code generation_config.json} are taken from {@link ModelConfig#read} when config.json is
     * there.
     *
     * @throws TokenizerException when tokenizer.json is missing or malformed (naming the file)
     */
    public static TextTokenizer open(Path dir) {
        ModelConfig cfg = Files.isRegularFile(dir.resolve("config.json")) ? ModelConfig.read(dir) : null;
        return open(dir, cfg);
    }

    /** As {@link #open(Path)}, with the model config already read ({@code null}: tokenizer files only). */
    public static TextTokenizer open(Path dir, ModelConfig config) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(file + ": missing (models without tokenizer.json take prompt_token_ids)");
        }
        TokenizerJson vocab = TokenizerJson.read(file);
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(file + ": the tokenizers library rejected it: " + e.getMessage(), e);
        }
        try {
            SpecialTokens special = SpecialTokens.read(dir, vocab.ids, () -> prependedId(hf),
                    config == null ? -1 : config.bosTokenId(), config == null ? List.of() : config.eosTokenIds());
            return new TextTokenizer(hf, vocab.pieces, special, dir);
        } catch (RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    /** The id tokenizer.json's post-processor puts before a text, or -1 (infers add_bos_token). */
    private static int prependedId(HuggingFaceTokenizer hf) {
        long[] with = hf.encode("a", true, false).getIds();
        long[] without = hf.encode("a", false, false).getIds();
        return with.length > without.length && with.length > 0 && (without.length == 0 || with[0] != without[0])
                ? (int) with[0] : -1;
    }

    /** The prompt's ids: BOS first iff {@link SpecialTokens#addBos()} and the text did not already start with it. */
    public int[] encode(String text) {
        long[] ids = hf.encode(text, false, false).getIds();
        boolean bos = special.addBos() && !(ids.length > 0 && ids[0] == special.bosId());
        int[] out = new int[ids.length + (bos ? 1 : 0)];
        int o = 0;
        if (bos) {
            out[o++] = special.bosId();
        }
        for (long id : ids) {
            out[o++] = (int) id;
        }
        return out;
    }

    /** Text of {@code ids}, special tokens skipped; ids outside 0..vocabSize()-1 are skipped too. */
    public String decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    /** As {@link #decode(int[])} for {@code ids[from, to)} (lets callers decode a window without copying). */
    public String decode(int[] ids, int from, int to) {
        long[] l = new long[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            if (ids[i] >= 0 && ids[i] < pieces.length && pieces[ids[i]] != null) {
                l[n++] = ids[i];
            }
        }
        return hf.decode(n == l.length ? l : Arrays.copyOf(l, n), true);
    }

    /** Tokens of the tokenizer, added tokens included (highest id + 1); may be below the model's vocab_size. */
    public int vocabSize() {
        return pieces.length;
    }

    /** The raw piece of {@code id} as tokenizer.json spells it ({@code ▁Hello}, {@code Ġworld}, {@code <0xE2>}), or null. */
    public String tokenString(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    public SpecialTokens specialTokens() {
        return special;
    }

    /** The model directory this tokenizer was read from. */
    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        hf.close();
    }
}
