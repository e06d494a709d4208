package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
        PromptTemplate t = PromptTemplate.chat(ZEPHYR, null, "<s>", "</s>");
        assertEquals("<|user|>\nHi there</s>\n<|assistant|>\n", t.apply("Hi there"));
        PromptTemplate withSystem = PromptTemplate.chat(ZEPHYR, "Be brief.", "<s>", "</s>");
        assertEquals("<|system|>\nBe brief.</s>\n<|user|>\nHi there</s>\n<|assistant|>\n", withSystem.apply("Hi there"));
    }

    @Test
    void llama2TemplateWithSystemMessageAndStrip() {
        PromptTemplate t = PromptTemplate.chat(LLAMA2, "Be brief.", "<s>", "</s>");
        // As in Python: strip() trims the whole content, the user text sits after the system block.
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n  Hello [/INST]", t.apply("  Hello  "));
        assertEquals("<s>[INST] Hello [/INST]", PromptTemplate.chat(LLAMA2, null, "<s>", "</s>").apply("  Hello  "));
    }

    @Test
    void methodCallsAreDisabled() {
        String evil = "{{ messages.getClass().getClassLoader() }}{{ message }}";
        assertThrows(RuntimeException.class, () -> PromptTemplate.chat(evil, null, "", "").apply("x"));
        String evil2 = "{{ 'abc'.getClass().forName('java.lang.Runtime') }}";
        assertThrows(RuntimeException.class, () -> PromptTemplate.chat(evil2, null, "", "").apply("x"));
    }

    @Test
    void fileAccessIsDisabled(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "SECRET");
        String include = "{% include '" + secret + "' %}{{ messages[0]['content'] }}";
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> PromptTemplate.chat(include, null, "", "").apply("x"));
        assertTrue(!String.valueOf(e.getMessage()).contains("SECRET"));
    }

    @Test
    void chatFromModelReadsTokenizerConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<s>\"}, "
                + "\"eos_token\": \"</s>\", \"chat_template\": " + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(ZEPHYR) + "}");
        assertEquals("<|user|>\nHi</s>\n<|assistant|>\n", PromptTemplate.chatFromModel(dir, null).apply("Hi"));
    }

    @Test
    void modelWithoutChatTemplateIsAStartupError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        JobConfigException e = assertThrows(JobConfigException.class, () -> PromptTemplate.chatFromModel(dir, null));
        assertTrue(e.getMessage().contains("prompt.template=raw"), e.getMessage());
    }
}
