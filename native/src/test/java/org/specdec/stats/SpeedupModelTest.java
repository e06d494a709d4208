package org.specdec.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The speedup formula of Leviathan et al. 2023 (Theorem 3.8), with and without a measured verification cost. */
class SpeedupModelTest {

    @Test
    void isThePapersFormulaWhenVerificationCostsOnePass() {
        double a = 0.7;
        double c = 0.1;
        double expected = (1 - Math.pow(a, 5)) / ((1 - a) * (4 * c + 1));
        assertEquals(expected, SpeedupModel.speedup(a, 4, c), 1e-12);
        assertEquals(expected, SpeedupModel.speedup(a, 4, c, 1), 1e-12);
    }

    @Test
    void aDearerVerificationPassLowersTheSpeedup() {
        assertEquals(SpeedupModel.tokensPerPass(0.7, 4) / (4 * 0.1 + 2.5), SpeedupModel.speedup(0.7, 4, 0.1, 2.5), 1e-12);
        assertTrue(SpeedupModel.speedup(0.7, 4, 0.1, 2.5) < SpeedupModel.speedup(0.7, 4, 0.1));
    }

    @Test
    void tokensPerPassIsTheGeometricSum() {
        assertEquals(1 + 0.5 + 0.25, SpeedupModel.tokensPerPass(0.5, 2), 1e-12);
        assertEquals(1, SpeedupModel.tokensPerPass(0, 4), 1e-12);
        // A draft that is always accepted: k + 1 tokens per pass in the limit.
        assertEquals(5, SpeedupModel.tokensPerPass(1, 4), 1e-4);
    }

    @Test
    void undefinedWithoutAnAcceptanceEstimateOrWithoutDrafts() {
        assertTrue(Double.isNaN(SpeedupModel.speedup(Double.NaN, 4, 0.1)));
        assertTrue(Double.isNaN(SpeedupModel.speedup(0.7, 0, 0.1)));
    }

    @Test
    void verificationCostGrowsLinearlyInPositionsFromOnePosition() {
        assertEquals(1, SpeedupModel.verificationCost(2.6, 5, 0), 1e-12);
        assertEquals(1 + 1.6 / 4 * 2, SpeedupModel.verificationCost(2.6, 5, 2), 1e-12);
        assertEquals(2.6, SpeedupModel.verificationCost(2.6, 5, 4), 1e-12);
        assertEquals(1, SpeedupModel.verificationCost(0.9, 5, 3), 1e-12, "a pass never costs less than one position");
        assertEquals(1, SpeedupModel.verificationCost(Double.NaN, 5, 3), 1e-12);
    }
}
