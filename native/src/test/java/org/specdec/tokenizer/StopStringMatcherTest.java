package org.specdec.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopStringMatcherTest {

    @Test
    void stopStringSplitAcrossThreeTokens() {
        StopStringMatcher m = new StopStringMatcher(List.of("\nUser:"));
        StringBuilder out = new StringBuilder();
        StopStringMatcher.Step s = m.accept("The answer is 42.");
        assertEquals("The answer is 42.", s.text());
        out.append(s.text());
        s = m.accept("\n");
        assertEquals("", s.text(), "a possible start of the stop string is held");
        s = m.accept("User");
        assertEquals("", s.text());
        assertFalse(s.stopped());
        s = m.accept(": next question");
        assertTrue(s.stopped());
        assertEquals("\nUser:", s.stop());
        out.append(s.text());
        assertEquals("The answer is 42.", out.toString());
        assertEquals("", m.flush());
        assertEquals("", m.accept("more").text(), "nothing after the stop");
    }

    @Test
    void heldTextIsReleasedWhenItStopsMatching() {
        StopStringMatcher m = new StopStringMatcher(List.of("###"));
        assertEquals("a", m.accept("a#").text());
        assertEquals("", m.accept("#").text());
        StopStringMatcher.Step s = m.accept("b");
        assertNull(s.stop());
        assertEquals("##b", s.text());
        assertEquals("c", m.accept("c#").text());
        assertEquals("#", m.flush(), "the end of the row releases the held tail");
    }

    @Test
    void earliestOccurrenceWinsAmongSeveralStops() {
        StopStringMatcher m = new StopStringMatcher(List.of("END", "x"));
        StopStringMatcher.Step s = m.accept("abcEN");
        assertEquals("abc", s.text());
        s = m.accept("D then x");
        assertEquals("END", s.stop());
        assertEquals("", s.text());
    }

    @Test
    void stopInsideOneChunkAndOverlappingPrefixes() {
        StopStringMatcher m = new StopStringMatcher(List.of("aab"));
        assertEquals("", m.accept("aa").text());
        StopStringMatcher.Step s = m.accept("aab tail");
        assertEquals("aa", s.text(), "the held 'aa' was not the stop; the one starting later is");
        assertEquals("aab", s.stop());
    }

    @Test
    void multiByteStopStrings() {
        StopStringMatcher m = new StopStringMatcher(List.of("🛑", "。\n"));
        assertEquals("停", m.accept("停。").text());
        StopStringMatcher.Step s = m.accept("\n下");
        assertEquals("", s.text());
        assertEquals("。\n", s.stop());
    }

    @Test
    void noStopsPassEverythingThrough() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertEquals("anything", m.accept("anything").text());
        assertEquals("", m.flush());
        assertThrows(IllegalArgumentException.class, () -> new StopStringMatcher(List.of("")));
    }
}
