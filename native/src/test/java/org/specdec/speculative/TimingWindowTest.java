package org.specdec.speculative;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimingWindowTest {

    @Test
    void estimateIsTheLowerQuartileOfTheLastSamples() {
        TimingWindow w = new TimingWindow();
        assertTrue(w.isEmpty());
        assertTrue(Double.isNaN(w.estimate()));
        w.add(30);
        assertEquals(30, w.estimate());
        w.add(20);
        assertEquals(20, w.estimate(), "of two: the faster one");
        w.add(25);
        w.add(27);
        assertEquals(25, w.estimate(), "of four: the second fastest");
        for (double t : new double[] {21, 22, 23, 24, 26}) {
            w.add(t);
        }
        assertEquals(22, w.estimate(), "of nine: the third fastest");
    }

    @Test
    void aBurstOfSlowSamplesDoesNotMoveTheEstimate() {
        TimingWindow w = new TimingWindow();
        for (int i = 0; i < 20; i++) {
            w.add(24 + (i % 3) * 0.1);
        }
        double before = w.estimate();
        // Five slow passes in a row (measured on the 2-core machine while the switch was off).
        for (double t : new double[] {30.4, 42.9, 40.7, 54.2, 39.5}) {
            w.add(t);
        }
        assertEquals(before, w.estimate(), 0.21);
    }

    @Test
    void oldSamplesLeaveTheWindowSoTheEstimateFollowsARealChange() {
        TimingWindow w = new TimingWindow();
        for (int i = 0; i < 20; i++) {
            w.add(10);
        }
        for (int i = 0; i < TimingWindow.SIZE - 2; i++) {
            w.add(30);
        }
        assertEquals(30, w.estimate(), "once most of the window is new, it moves");
    }
}
