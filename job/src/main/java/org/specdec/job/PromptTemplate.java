package org.specdec.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.specdec.job.template.ChatTemplateRenderer;

/**
 * How a prompt becomes the text the model sees: {@code raw} (as is) or {@code chat} (a user message,
 * optionally after a system message, rendered with the model's own {@code chat_template} from
 * {@code tokenizer_config.json} by {@link ChatTemplateRenderer}). The prompt is data: it is never
 * interpreted as template text.
 */
public final class PromptTemplate implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String chatTemplate; // null for raw
    private final String system;
    private final String bosToken;
    private final String eosToken;
    private final long timeLimitMillis;
    private transient ChatTemplateRenderer renderer;

    private PromptTemplate(String chatTemplate, String system, String bosToken, String eosToken, long timeLimitMillis) {
        this.chatTemplate = chatTemplate;
        this.system = system;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.timeLimitMillis = timeLimitMillis;
    }

    public static PromptTemplate raw() {
        return new PromptTemplate(null, null, null, null, 0);
    }

    /**
     * A chat template with explicit text (tests) or as read from a model directory.
     *
     * @param timeLimitMillis CPU time one rendering may take, the start-up check's included
     */
    public static PromptTemplate chat(String template, String system, String bosToken, String eosToken,
                                      long timeLimitMillis) {
        if (timeLimitMillis <= 0) {
            throw new JobConfigException("prompt.template_time_limit_ms must be at least 1 (ms of CPU time per "
                    + "rendering), got " + timeLimitMillis);
        }
        PromptTemplate t = new PromptTemplate(template, system, bosToken, eosToken, timeLimitMillis);
        t.apply("startup check"); // a template that cannot render fails at startup, not per row
        return t;
    }

    /** The chat template of a model directory; a startup error names the file and what is missing. */
    public static PromptTemplate chatFromModel(Path modelDir, String system, long timeLimitMillis) {
        Path file = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            throw new JobConfigException("prompt.template=chat needs " + file + " with a chat_template; "
                    + "use prompt.template=raw for this model");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new JobConfigException("cannot read " + file + ": " + e.getMessage());
        }
        JsonNode t = root.get("chat_template");
        String template = null;
        if (t != null && t.isTextual()) {
            template = t.asText();
        } else if (t != null && t.isArray()) { // [{name: default, template: ...}, ...]
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText()) || template == null) {
                    template = named.path("template").asText(null);
                }
            }
        }
        if (template == null) {
            throw new JobConfigException(file + " has no chat_template; use prompt.template=raw for this model");
        }
        try {
            return chat(template, system, tokenText(root.get("bos_token")), tokenText(root.get("eos_token")),
                    timeLimitMillis);
        } catch (RuntimeException e) {
            throw new JobConfigException("the chat_template in " + file + " cannot be rendered: " + e.getMessage(), e);
        }
    }

    /** Keys in the order transformers' dicts have them (a template may print a message with tojson). */
    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return "";
        }
        return n.isTextual() ? n.asText() : n.path("content").asText(""); // AddedToken objects
    }

    public boolean isChat() {
        return chatTemplate != null;
    }

    /** The model input for a prompt; null stays null (the engine reports it as the row's error). */
    public String apply(String prompt) {
        if (chatTemplate == null || prompt == null) {
            return prompt;
        }
        if (renderer == null) {
            renderer = new ChatTemplateRenderer(chatTemplate, timeLimitMillis);
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        if (system != null) {
            messages.add(message("system", system));
        }
        messages.add(message("user", prompt));
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", messages);
        vars.put("add_generation_prompt", true);
        vars.put("bos_token", bosToken == null ? "" : bosToken);
        vars.put("eos_token", eosToken == null ? "" : eosToken);
        return renderer.render(vars);
    }
}
