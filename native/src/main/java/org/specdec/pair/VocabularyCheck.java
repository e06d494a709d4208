package org.specdec.pair;

import org.specdec.checkpoint.ModelConfig;
import org.specdec.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Decides before any decoding whether a draft model may serve a target model: both must read
 * and write the same token ids.
 *
 * <p>Why: the draft consumes the target-tokenized prompt and proposes ids that the target
 * verifies by id. If id 1234 is a different string for the two models, the draft guesses for the
 * wrong text; acceptance collapses (output stays the target's, but the pair is useless) or, with a
 * different BOS, the draft reads every prompt wrongly.
 *
 * <p>Policy (the first violation is the error; with tokenizers on both sides the token
 * comparison, rule 3, is made first because its message is the most telling):
 * <ol>
 *   <li>Model sizes: both config {@code vocab_size} values (embedding / LM-head rows) are within
 *       {@value #MAX_SIZE_DIFFERENCE} of each other; equal when neither side has a tokenizer
 *       (then there is nothing else to compare them by). Rows may exceed the tokenizer's size
 *       (padding rows: Phi-3 has 32,064 rows for 32,011 tokens).</li>
 *   <li>Each tokenizer has at most as many tokens as its model has rows (else encoding could
 *       produce an id the model cannot embed).</li>
 *   <li>Both with a tokenizer: the token sizes are within {@value #MAX_SIZE_DIFFERENCE}
 *       (llama.cpp's {@code SPEC_VOCAB_MAX_SIZE_DIFFERENCE}) and every id both have is the same
 *       raw piece. Extra ids on one side are a warning: the target never sees a draft-only id
 *       accepted, because rejection sampling gives it p(x) = 0; target-only ids are just never
 *       proposed.</li>
 *   <li>BOS ids agree when both sides define one (one side without: warning).</li>
 *   <li>EOS ids may differ (warning): the engine stops on the target's EOS ids only, and the
 *       draft only proposes ids.</li>
 *   <li>One side without {@code tokenizer.json}: sizes only, with a warning that token strings
 *       could not be compared.</li>
 * </ol>
 */
public final class VocabularyCheck {
    /** As llama.cpp's SPEC_VOCAB_MAX_SIZE_DIFFERENCE. */
    public static final int MAX_SIZE_DIFFERENCE = 128;

    private VocabularyCheck() {
    }

    /**
     * One model of the pair.
     *
     * @param modelRows config.json vocab_size (embedding rows)
     * @param configBos config.json bos_token_id, or -1
     * @param configEos config.json + generation_config.json eos ids
     * @param tokenizer its tokenizer, or null for a model that runs on token ids
     */
    public record Side(int modelRows, int configBos, List<Integer> configEos, TextTokenizer tokenizer) {
        public Side {
            configEos = List.copyOf(configEos);
        }

        public static Side of(ModelConfig config, TextTokenizer tokenizer) {
            return new Side(config.vocabSize(), config.bosTokenId(), config.eosTokenIds(), tokenizer);
        }

        int bos() {
            return tokenizer != null ? tokenizer.specialTokens().bosId() : configBos;
        }

        List<Integer> eos() {
            return tokenizer != null ? tokenizer.specialTokens().eosIds() : configEos;
        }

        String describe() {
            return (tokenizer != null ? tokenizer.vocabSize() + " tokens / " : "no tokenizer / ") + modelRows + " rows";
        }
    }

    /** Checks a pair and throws {@link PairMismatchException} when it cannot decode together. */
    public static PairCheckResult require(ModelConfig target, TextTokenizer targetTokenizer,
                                          ModelConfig draft, TextTokenizer draftTokenizer) {
        return require(Side.of(target, targetTokenizer), Side.of(draft, draftTokenizer));
    }

    /** As {@link #require(ModelConfig, TextTokenizer, ModelConfig, TextTokenizer)}. */
    public static PairCheckResult require(Side target, Side draft) {
        PairCheckResult r = evaluate(target, draft);
        if (!r.ok()) {
            throw new PairMismatchException(r.error());
        }
        return r;
    }

    /** Checks a pair without throwing (for a report). */
    public static PairCheckResult evaluate(Side target, Side draft) {
        List<String> warnings = new ArrayList<>();
        String error = firstError(target, draft, warnings);
        String summary = (error == null ? "pair ok" : "pair MISMATCH") + ": target " + target.describe()
                + ", draft " + draft.describe()
                + (error == null ? "; " + warnings.size() + (warnings.size() == 1 ? " warning" : " warnings")
                : "; " + error);
        return new PairCheckResult(error == null, error, warnings, summary);
    }

    private static String firstError(Side t, Side d, List<String> warnings) {
        TextTokenizer tt = t.tokenizer();
        TextTokenizer dt = d.tokenizer();
        if (tt != null && dt != null) { // token strings first: the most telling message
            String vocabError = compareTokens(tt, dt, warnings);
            if (vocabError != null) {
                return vocabError;
            }
        }
        int rowDiff = Math.abs(t.modelRows() - d.modelRows());
        if (tt == null && dt == null ? rowDiff != 0 : rowDiff > MAX_SIZE_DIFFERENCE) {
            return "draft model does not match target: target vocab_size is " + t.modelRows() + ", draft vocab_size is "
                    + d.modelRows() + " (config.json); " + (tt == null && dt == null
                    ? "without tokenizer.json on either side they must be equal"
                    : "they may differ by at most " + MAX_SIZE_DIFFERENCE);
        }
        for (Side s : List.of(t, d)) {
            if (s.tokenizer() != null && s.tokenizer().vocabSize() > s.modelRows()) {
                return (s == t ? "target" : "draft") + " tokenizer has " + s.tokenizer().vocabSize()
                        + " tokens but its config.json vocab_size is " + s.modelRows() + " (" + s.tokenizer().directory() + ")";
            }
        }
        if ((tt != null) != (dt != null)) {
            warnings.add((tt == null ? "target" : "draft") + " has no tokenizer.json: token strings were not compared, "
                    + "only sizes (target " + t.describe() + ", draft " + d.describe() + ")");
        } else if (tt == null) {
            warnings.add("neither model has tokenizer.json: only vocab_size was compared (" + t.modelRows() + ")");
        }
        if (t.bos() >= 0 && d.bos() >= 0 && t.bos() != d.bos()) {
            return "draft BOS id " + d.bos() + " differs from target BOS id " + t.bos()
                    + " (the draft reads the target-tokenized prompt); use a draft with the target's tokenizer";
        }
        if ((t.bos() < 0) != (d.bos() < 0)) {
            warnings.add("BOS defined on one side only: target " + t.bos() + ", draft " + d.bos());
        }
        if (!new LinkedHashSet<>(t.eos()).equals(new LinkedHashSet<>(d.eos()))) {
            warnings.add("EOS ids differ: target " + t.eos() + ", draft " + d.eos()
                    + "; generation stops on the target's EOS ids only");
        }
        return null;
    }

    private static String compareTokens(TextTokenizer t, TextTokenizer d, List<String> warnings) {
        int ts = t.vocabSize();
        int ds = d.vocabSize();
        int first = -1;
        for (int id = 0; id < Math.max(ts, ds); id++) {
            String a = t.tokenString(id);
            String b = d.tokenString(id);
            if (a == null ? b != null : !a.equals(b)) {
                first = id;
                break;
            }
        }
        boolean sharedDiffer = first >= 0 && first < Math.min(ts, ds);
        if (sharedDiffer || Math.abs(ts - ds) > MAX_SIZE_DIFFERENCE) {
            String head = "draft vocabulary does not match target: target has " + ts + " tokens, draft has " + ds;
            String why = sharedDiffer ? "" : " (more than " + MAX_SIZE_DIFFERENCE + " apart)";
            return head + why + "; first difference at id " + first + ": target " + quote(t.tokenString(first))
                    + " vs draft " + quote(d.tokenString(first));
        }
        if (ts != ds) {
            boolean draftBigger = ds > ts;
            warnings.add((draftBigger ? "draft" : "target") + " has " + Math.abs(ds - ts) + " tokens the "
                    + (draftBigger ? "target" : "draft") + " lacks (ids " + Math.min(ts, ds) + ".." + (Math.max(ts, ds) - 1)
                    + "); shared ids are identical. " + (draftBigger
                    ? "Draft proposals of those ids are always rejected (target probability 0)."
                    : "The draft never proposes them."));
        }
        return null;
    }

    /** A piece for a message: quoted, control characters escaped, or "(none)" for a missing id. */
    static String quote(String piece) {
        if (piece == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder("'");
        piece.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.append('\'').toString();
    }
}
