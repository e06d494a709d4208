package org.specdec.backend.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV budget from free GPU memory, and the startup error when it does not fit. */
class KvBudgetTest {
    private static final long MIB = 1L << 20;

    @Test
    void bytesPerRowOfA1BShapedModel() {
        // 16 layers x 4096 positions x 512 kv dims x (K + V) x F32 = 256 MiB.
        assertEquals(256 * MIB, KvBudget.bytesPerRow(16, 4096, 512));
    }

    @Test
    void rowsThatFitAfterTheReserve() {
        assertEquals(3, KvBudget.rowsThatFit(1000 * MIB, 100 * MIB, 256 * MIB));
        assertEquals(0, KvBudget.rowsThatFit(100 * MIB, 200 * MIB, 256 * MIB));
    }

    @Test
    void tooLittleMemoryIsAClearErrorNamingTheNumbers() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                KvBudget.require("cuda:0", "a 16-layer model", 1000 * MIB, 300 * MIB, 16, 16, 4096, 512));
        String m = e.getMessage();
        assertTrue(m.contains("cuda:0"), m);
        assertTrue(m.contains("16 rows x 4096 positions need 4096 MiB"), m);
        assertTrue(m.contains("only 1000 MiB are free"), m);
        assertTrue(m.contains("room for 2 rows"), m);
        assertTrue(m.contains("max_batch"), m);
        assertDoesNotThrow(() -> KvBudget.require("cuda:0", "m", 8000 * MIB, 300 * MIB, 16, 16, 1024, 512));
    }
}
