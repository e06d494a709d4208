package org.specdec.job.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Published Hugging Face chat templates (Llama 3.1, Mistral, Qwen2, Phi-3, Gemma 2; text files in
 * src/test/resources/chat-templates, sources in the README there) render exactly what transformers'
 * apply_chat_template renders: the expected strings in expected.json were computed from the same
 * files with Debian's python3-jinja2 under transformers' rules (tools/chat-templates/render_expected.py).
 * features.jinja covers namespace, loop controls, filters, tojson's arguments and string methods.
 */
class ChatTemplatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> rendersAsTransformersDoes() throws IOException {
        JsonNode root = JSON.readTree(resource("expected.json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            String name = c.get("template").asText() + " " + c.get("case").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                String template = new String(resource(c.get("template").asText()).readAllBytes(),
                        StandardCharsets.UTF_8);
                Map<String, Object> vars = JSON.convertValue(c.get("vars"), new TypeReference<>() { });
                ChatTemplateRenderer renderer = new ChatTemplateRenderer(template, 5_000);
                if (c.has("error")) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> renderer.render(vars));
                    assertEquals("chat template raised: " + c.get("error").asText(), e.getMessage());
                } else {
                    assertEquals(c.get("expected").asText(), renderer.render(vars));
                }
            }));
        }
        assertTrue(tests.size() >= 50, "cases in expected.json: " + tests.size());
        return tests.stream();
    }

    private static InputStream resource(String name) {
        InputStream in = ChatTemplatesTest.class.getResourceAsStream("/chat-templates/" + name);
        if (in == null) {
            throw new IllegalStateException("missing test resource chat-templates/" + name);
        }
        return in;
    }
}
