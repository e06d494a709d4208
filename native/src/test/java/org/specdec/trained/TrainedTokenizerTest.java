package org.specdec.trained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.specdec.tokenizer.SpecialTokens;
import org.specdec.tokenizer.TextTokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The project-trained byte-level BPE (tools/train/bpe.py) as DJL loads it from the shipped models. */
class TrainedTokenizerTest {

    @Test
    void loadsWithBosEosAndVocabulary() {
        try (TextTokenizer t = TextTokenizer.open(TrainedPair.shipped("sotu-target"))) {
            assertEquals(4096, t.vocabSize());
            assertEquals(new SpecialTokens(1, List.of(2), -1, true), t.specialTokens());
            assertEquals("<s>", t.tokenString(1));
            assertEquals("</s>", t.tokenString(2));
        }
    }

    /** DJL's encoding of the held-out prompts equals the training code's; text round-trips. */
    @Test
    void promptsEncodeAsInTrainingAndRoundTrip() {
        JsonNode ref = TrainedPair.reference();
        try (TextTokenizer t = TextTokenizer.open(TrainedPair.shipped("sotu-target"))) {
            for (JsonNode p : ref.get("prompts")) {
                String text = p.get("text").asText();
                assertArrayEquals(TrainedPair.ints(p.get("prompt_ids")), t.encode(text), text);
                assertEquals(text, t.decode(t.encode(text)));
            }
            for (String s : List.of("naïve café — “quoted” ’s", "  two  spaces\n\ttab\r\n", "1790–2016: $4,096.50", "")) {
                assertEquals(s, t.decode(t.encode(s)), s);
            }
        }
    }

    /**
     * Every validation address (the cache made by tools/train/fetch_corpus.sh) round-trips exactly,
     * and DJL's ids equal the token stream the models were evaluated on (.cache/train/val.bin:
     * &lt;s&gt; text &lt;/s&gt; per address, int16 little-endian).
     */
    @Test
    void validationTextRoundTripsAndMatchesTheTrainingStream() throws IOException {
        Path jsonl = TrainedPair.cache("sotu/val.jsonl");
        Path bin = TrainedPair.cache("train/val.bin");
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> stream = new ArrayList<>();
        while (bb.remaining() >= 2) {
            stream.add((int) bb.getShort());
        }
        ObjectMapper om = new ObjectMapper();
        int pos = 0;
        int addresses = 0;
        try (TextTokenizer t = TextTokenizer.open(TrainedPair.shipped("sotu-target"))) {
            for (String line : Files.readAllLines(jsonl)) {
                String text = om.readTree(line).get("text").asText();
                int[] ids = t.encode(text); // <s> first
                assertEquals(text, t.decode(ids), "round trip of address " + addresses);
                for (int id : ids) {
                    assertEquals(stream.get(pos), id, "address " + addresses + ", stream position " + pos);
                    pos++;
                }
                assertEquals(2, stream.get(pos++), "</s> after address " + addresses);
                addresses++;
            }
        }
        assertEquals(stream.size(), pos);
        assertEquals(15, addresses);
    }
}
