package org.specdec.backend.cpu;

import org.specdec.tensor.WeightTensor;

/**
 * Decode kernels (one input row against four weight rows) that load weight vectors where the
 * checkpoint is mapped, with no copy of the rows into scratch first. On Java 17 a vector can be
 * loaded from a mapped buffer only through {@code fromByteBuffer}, which streams slower than
 * copying the rows into L1 and loading from there; from Java 25 on, {@code fromMemorySegment}
 * streams faster than the copy. So the kernels live in a class compiled for Java 25
 * ({@code src/main/java25}), used where the running JVM is 25 or newer and the build had a JDK 25;
 * elsewhere {@link CpuMatmul} copies. Each kernel runs the same operations in the same order as the
 * copying kernel it stands in for, so a row decodes to the same bits either way.
 *
 * <p>Callers pass only rows that lie back to back in one block of their tensor, and F16 only for a
 * tensor without infinities or NaNs.
 */
interface MappedDecode {
    /** The system property that turns the kernels off ({@code -Dspecdec.cpu.mappedDecode=false}) to measure the copy. */
    String SWITCH = "specdec.cpu.mappedDecode";
    /** The Java 25 class; absent from a build made without a JDK 25. */
    String IMPLEMENTATION = "org.specdec.backend.cpu.SegmentDecode";

    /** out[col + r] = x . W[row + r] for r < 4, W in F32; x in natural order; {@code lanes} scratch of 4 vectors. */
    void f32(WeightTensor w, int row, float[] x, float[] lanes, float[] out, int col);

    /**
     * The same for BF16 rows with x in the paired order of {@link InputPanel}; {@code tails} is
     * scratch of 4 rows of {@code w.cols()} floats for the elements after the paired blocks,
     * {@code lanes} of 4 vectors for the lane sums.
     */
    void bf16(WeightTensor w, int row, float[] x, float[] tails, float[] lanes, float[] out, int col);

    /** {@link #bf16} for F16 rows of a tensor without infinities or NaNs. */
    void f16(WeightTensor w, int row, float[] x, float[] tails, float[] lanes, float[] out, int col);

    /** The kernels where this JVM and this build have them and the switch is on, else null. */
    static MappedDecode load() {
        if (Runtime.version().feature() < 25 || !Boolean.parseBoolean(System.getProperty(SWITCH, "true"))) {
            return null;
        }
        try {
            return (MappedDecode) Class.forName(IMPLEMENTATION).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** What a profile or benchmark reports about how decode reads the weights. */
    static String describe(MappedDecode kernels) {
        return kernels != null ? "decode loads weights where they are mapped (Java " + Runtime.version().feature() + ")"
                : "decode copies weight rows into L1 first (Java " + Runtime.version().feature()
                        + (Runtime.version().feature() >= 25 ? ", mapped kernels off or not built" : "") + ")";
    }
}
