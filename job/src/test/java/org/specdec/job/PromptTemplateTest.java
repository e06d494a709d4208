package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptTemplateTest {

    /** TinyLlama / Zephyr's chat_template, as in its tokenizer_config.json. */
    static final String ZEPHYR = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
            + "{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n"
            + "{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n"
            + "{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n"
            + "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    /** Llama 2's, with raise_exception, slicing, trim and a string method. */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    @Test
    void rawKeepsThePrompt() {
        assertEquals("Once upon a time", PromptTemplate.raw().apply("Once upon a time"));
        assertNull(PromptTemplate.raw().apply(null));
    }

    @Test
    void zephyrTemplateRendersAsTransformersDoes() {
        PromptTemplate t = PromptTemplate.chat(ZEPHYR, null, "<s>", "</s>", 1000);
        assertEquals("<|user|>\nHi there</s>\n<|assistant|>\n", t.apply("Hi there"));
        PromptTemplate withSystem = PromptTemplate.chat(ZEPHYR, "Be brief.", "<s>", "</s>", 1000);
        assertEquals("<|system|>\nBe brief.</s>\n<|user|>\nHi there</s>\n<|assistant|>\n", withSystem.apply("Hi there"));
    }

    @Test
    void llama2TemplateWithSystemMessageAndStrip() {
        PromptTemplate t = PromptTemplate.chat(LLAMA2, "Be brief.", "<s>", "</s>", 1000);
        // As in Python: strip() trims the whole content, the user text sits after the system block.
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n  Hello [/INST]", t.apply("  Hello  "));
        assertEquals("<s>[INST] Hello [/INST]", PromptTemplate.chat(LLAMA2, null, "<s>", "</s>", 1000).apply("  Hello  "));
    }

    @Test
    void methodCallsAreDisabled() {
        String evil = "{{ messages.getClass().getClassLoader() }}{{ message }}";
        assertThrows(RuntimeException.class, () -> PromptTemplate.chat(evil, null, "", "", 1000).apply("x"));
        String evil2 = "{{ 'abc'.getClass().forName('java.lang.Runtime') }}";
        assertThrows(RuntimeException.class, () -> PromptTemplate.chat(evil2, null, "", "", 1000).apply("x"));
    }

    @Test
    void fileAccessIsDisabled(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "SECRET");
        String include = "{% include '" + secret + "' %}{{ messages[0]['content'] }}";
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> PromptTemplate.chat(include, null, "", "", 1000).apply("x"));
        assertTrue(!String.valueOf(e.getMessage()).contains("SECRET"));
    }

    @Test
    void chatFromModelReadsTokenizerConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<s>\"}, "
                + "\"eos_token\": \"</s>\", \"chat_template\": " + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(ZEPHYR) + "}");
        assertEquals("<|user|>\nHi</s>\n<|assistant|>\n", PromptTemplate.chatFromModel(dir, null, 1000).apply("Hi"));
    }

    @Test
    void modelWithoutChatTemplateIsAStartupError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        JobConfigException e = assertThrows(JobConfigException.class, () -> PromptTemplate.chatFromModel(dir, null, 1000));
        assertTrue(e.getMessage().contains("prompt.template=raw"), e.getMessage());
    }

    /** Qwen2's ChatML template, the simplest real one that prints the prompt inside an expression. */
    static final String CHATML = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @Test
    void promptTextIsDataNeverTemplate() {
        PromptTemplate t = PromptTemplate.chat(CHATML, null, "", "<|im_end|>", 1000);
        for (String prompt : List.of("{{ 7*7 }}", "{% for i in range(3) %}x{% endfor %}", "{# hidden #}",
                "{{ raise_exception('from data') }}", "{% include '/etc/passwd' %}", "{{ messages }}",
                "{% raw %}{{ a }}{% endraw %}", "{%- if true -%} y {%- endif -%}")) {
            assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n" + prompt
                    + "<|im_end|>\n<|im_start|>assistant\n", t.apply(prompt), prompt);
        }
        PromptTemplate withSystem = PromptTemplate.chat(CHATML, "{{ 6*7 }} {% if 1 %}S{% endif %}", "", "", 1000);
        assertTrue(withSystem.apply("hi").startsWith("<|im_start|>system\n{{ 6*7 }} {% if 1 %}S{% endif %}<|im_end|>"),
                withSystem.apply("hi"));
    }

    @Test
    void aTemplateThatNeverFinishesIsAStartupErrorWithinItsTimeLimit() {
        String nested = "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
                + "{% endfor %}{% endfor %}{% endfor %}{{ messages[0]['content'] }}";
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptTemplate.chat(nested, null, "", "", 200));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("200 ms of CPU time") && e.getMessage().contains(
                "prompt.template_time_limit_ms"), e.getMessage());
        assertTrue(seconds < 10, "stopped after " + seconds + " s");
    }

    @Test
    void aRowWhoseRenderingRunsOutOfTimeFailsAloneAndTheNextRowRenders() {
        String slowForSomeRows = "{% if 'slow' in messages[0]['content'] %}{% for i in range(100000) %}"
                + "{% for j in range(100000) %}{% endfor %}{% endfor %}{% endif %}[{{ messages[0]['content'] }}]";
        PromptTemplate t = PromptTemplate.chat(slowForSomeRows, null, "", "", 200);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.apply("a slow one"));
        assertTrue(e.getMessage().contains("ms of CPU time"), e.getMessage());
        assertEquals("[fast]", t.apply("fast"));
    }

    @Test
    void jinjaFiltersWork() {
        String template = "{{ messages[0]['content'] | trim }}|{{ messages | length }}|{{ messages[0] | tojson }}|"
                + "{{ messages | map(attribute='role') | join(',') }}|{{ messages[0]['content'] | upper | replace('A', 'a') }}";
        assertEquals("Ab|1|{\"role\": \"user\", \"content\": \"  Ab \"}|user|  aB ",
                PromptTemplate.chat(template, null, "", "", 1000).apply("  Ab "));
    }

    @Test
    void javaGettersAreOutOfReach() {
        // ''.bytes would call String.getBytes(), ''.blank String.isBlank(): undefined, as in Jinja.
        String template = "[{{ ''.bytes }}][{{ ''.blank }}][{{ messages[0].content.class }}][{{ loop }}]"
                + "{{ messages[0]['content'] }}";
        assertEquals("[][][][]x", PromptTemplate.chat(template, null, "", "", 1000).apply("x"));
    }

    @Test
    void raiseExceptionStopsTheRowWithTheTemplatesMessage() {
        String template = "{% if messages[0]['content'] == 'bad' %}{{ raise_exception('no bad prompts') }}{% endif %}"
                + "{{ messages[0]['content'] }}";
        PromptTemplate t = PromptTemplate.chat(template, null, "", "", 1000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.apply("bad"));
        assertEquals("chat template raised: no bad prompts", e.getMessage());
        assertEquals("good", t.apply("good"));
    }
}
