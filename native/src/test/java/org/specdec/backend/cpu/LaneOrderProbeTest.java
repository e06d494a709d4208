package org.specdec.backend.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The lane-order probe on the JVMs the build tests on: Java 17's C2 sums a vector's lanes in order
 * (the kernels keep {@code reduceLanes}), Java 25's as a tree (they sum stored lanes themselves).
 */
class LaneOrderProbeTest {
    @Test
    void java17KeepsTheOrderAndJava25DoesNot() {
        int feature = Runtime.version().feature();
        assumeTrue(feature == 17 || feature == 25, "the finding is pinned for Java 17 and 25 only");
        assertEquals(feature == 17, VectorMath.REDUCE_LANES_IN_ORDER, "Java " + feature);
        assertEquals(VectorMath.REDUCE_LANES_IN_ORDER, LaneOrderProbe.reduceLanesInOrder(), "probed again");
    }
}
