package org.specdec.backend.cpu;

import org.junit.jupiter.api.Test;
import org.specdec.tensor.HalfFloats;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector conversions of 16-bit weights against the scalar definitions, on every bit pattern. */
class WeightRowReaderTest {
    static short[] allPatterns() {
        short[] all = new short[65536 + 7];  // a tail that is not a multiple of the vector length
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        return all;
    }

    @Test
    void f16ConvertsExactlyIncludingSubnormalsInfinitiesAndNaNs() {
        short[] src = allPatterns();
        float[] dst = new float[src.length + 3];
        WeightRowReader.f16ToF32(src, src.length, dst, 3);
        for (int i = 0; i < src.length; i++) {
            assertEquals(Float.floatToRawIntBits(HalfFloats.f16ToFloat(src[i])), Float.floatToRawIntBits(dst[3 + i]),
                    "half " + i);
        }
    }

    @Test
    void bf16ConvertsExactly() {
        short[] src = allPatterns();
        float[] dst = new float[src.length];
        WeightRowReader.bf16ToF32(src, src.length, dst, 0);
        for (int i = 0; i < src.length; i++) {
            assertEquals(Float.floatToRawIntBits(HalfFloats.bf16ToFloat(src[i])), Float.floatToRawIntBits(dst[i]));
        }
    }
}
