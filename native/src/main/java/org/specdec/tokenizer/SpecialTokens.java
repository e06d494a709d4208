package org.specdec.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The special token ids a generation loop needs, resolved once per model.
 *
 * <p>Sources, in order of precedence: {@code tokenizer_config.json} ({@code bos_token},
 * {@code eos_token}, {@code pad_token} as a string or a {@code {"content": ...}} object, resolved
 * to ids through {@code tokenizer.json}; {@code add_bos_token}), then the model's
 * {@code config.json} / {@code generation_config.json} ids. Why both: instruct models often list
 * extra EOS ids only in {@code generation_config.json} (Llama 3: 128001 and 128009), while the
 * tokenizer config is what says whether a prompt starts with BOS.
 *
 * @param bosId   the BOS id, or -1 when the model has none
 * @param eosIds  every id that ends generation: the tokenizer's EOS first, then the model config's
 * @param padId   the padding id, or -1
 * @param addBos  whether encoding a prompt starts it with {@code bosId}: {@code add_bos_token} when
 *                the tokenizer config has it, otherwise whether tokenizer.json's post-processor
 *                prepends BOS
 */
public record SpecialTokens(int bosId, List<Integer> eosIds, int padId, boolean addBos) {

    /** tokenizer_config.json holds a chat template at most; 16 MB is generous. */
    static final long MAX_CONFIG_BYTES = 16L << 20;

    public SpecialTokens {
        eosIds = List.copyOf(eosIds);
        if (addBos && bosId < 0) {
            throw new IllegalArgumentException("addBos needs a BOS id");
        }
    }

    /**
     * Resolves the special tokens of a model directory.
     *
     * @param dir              the directory with tokenizer_config.json (optional file)
     * @param ids              piece → id of tokenizer.json
     * @param postProcessorBos the id the tokenizer's post-processor prepends to a text, or -1
     *                         (asked only when the tokenizer config does not settle it)
     * @param configBos        config.json's bos_token_id, or -1
     * @param configEos        config.json + generation_config.json eos ids (may be empty)
     */
    static SpecialTokens read(Path dir, Map<String, Integer> ids, IntSupplier postProcessorBos,
                              int configBos, List<Integer> configEos) {
        Path file = dir.resolve("tokenizer_config.json");
        JsonNode c = Files.isRegularFile(file) ? TokenizerJson.readObject(file, MAX_CONFIG_BYTES) : null;
        int bos = c == null ? -1 : tokenId(c, "bos_token", ids, file);
        int eos = c == null ? -1 : tokenId(c, "eos_token", ids, file);
        int pad = c == null ? -1 : tokenId(c, "pad_token", ids, file);
        Boolean addBos = null;
        if (c != null && c.has("add_bos_token") && !c.get("add_bos_token").isNull()) {
            JsonNode n = c.get("add_bos_token");
            if (!n.isBoolean()) {
                throw new TokenizerException(file + ": field 'add_bos_token' must be true or false, got " + n);
            }
            addBos = n.asBoolean();
        }
        if (bos < 0) {
            bos = configBos;
        }
        if (addBos == null) {
            int prepended = postProcessorBos.getAsInt();
            addBos = prepended >= 0;
            if (prepended >= 0 && bos < 0) {
                bos = prepended;
            }
        }
        if (addBos && bos < 0) {
            throw new TokenizerException(file + ": field 'add_bos_token' is true but no BOS token is defined "
                    + "(set 'bos_token' there or 'bos_token_id' in config.json)");
        }
        List<Integer> eosIds = new ArrayList<>();
        if (eos >= 0) {
            eosIds.add(eos);
        }
        for (int id : configEos) {
            if (!eosIds.contains(id)) {
                eosIds.add(id);
            }
        }
        return new SpecialTokens(bos, eosIds, pad, addBos);
    }

    /** A token field given as "text", {"content": "text"} or null, resolved to its id (-1 if null). */
    private static int tokenId(JsonNode c, String field, Map<String, Integer> ids, Path file) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            return -1;
        }
        if (n.isObject()) {
            n = n.get("content");
        }
        if (n == null || !n.isTextual()) {
            throw new TokenizerException(file + ": field '" + field
                    + "' must be a string, a {\"content\": string} object or null");
        }
        Integer id = ids.get(n.asText());
        if (id == null) {
            throw new TokenizerException(file + ": field '" + field + "' is '" + n.asText()
                    + "', which is not a token of tokenizer.json");
        }
        return id;
    }
}
