package org.specdec.backend.cpu;

import java.util.Locale;

/** How the CPU backend holds a model's matrices ({@code model.cpu_weights}). */
public enum CpuWeights {
    /** Read where the checkpoint is mapped, in the stored dtype ({@link CpuMatmul}). */
    STORED("stored"),
    /** Copied at load into tiles of output rows, in the stored dtype, on the heap ({@link TiledMatmul}). */
    TILED("tiled"),
    /** Quantised at load to 8 bits ({@link Q8Weights}); changes outputs. */
    Q8_0("q8_0"),
    /**
     * {@link #TILED} for a model whose matrices take at most {@link #AUTO_TILED_MAX_BYTES} and a quarter
     * of the JVM's heap, else {@link #STORED}.
     */
    AUTO("auto");

    /**
     * The largest model {@link #AUTO} copies into tiles: the copy doubles the memory a model takes
     * (mapped pages and heap), which small models can afford and a CPU decodes them faster with.
     */
    public static final long AUTO_TILED_MAX_BYTES = 2L << 30;
    /** The share of the heap {@link #AUTO} lets a model's tiles take: a quarter, the KV caches need the rest. */
    static final int AUTO_HEAP_DIVISOR = 4;

    private final String setting;

    CpuWeights(String setting) {
        this.setting = setting;
    }

    /** The value's spelling in {@code model.cpu_weights}. */
    public String setting() {
        return setting;
    }

    /**
     * The layout a model with {@code matrixBytes} of matrices gets in this JVM: AUTO decided by the
     * model's size and the heap ({@code Runtime.maxMemory()}), the others as they are. Executors of
     * one job share their heap setting, so they decide alike.
     */
    public CpuWeights resolve(long matrixBytes) {
        return resolve(matrixBytes, Runtime.getRuntime().maxMemory());
    }

    /** {@link #resolve(long)} for a JVM whose heap can grow to {@code maxHeapBytes}. */
    public CpuWeights resolve(long matrixBytes, long maxHeapBytes) {
        if (this != AUTO) {
            return this;
        }
        return matrixBytes <= AUTO_TILED_MAX_BYTES && matrixBytes <= maxHeapBytes / AUTO_HEAP_DIVISOR ? TILED : STORED;
    }

    /** A {@code model.cpu_weights} value, any case. */
    public static CpuWeights parse(String value) {
        String s = value.trim().toLowerCase(Locale.ROOT);
        for (CpuWeights w : values()) {
            if (w.setting.equals(s)) {
                return w;
            }
        }
        throw new IllegalArgumentException("cpu weights '" + value + "': use auto (tiled up to "
                + (AUTO_TILED_MAX_BYTES >> 30) + " GiB of matrices and a quarter of the heap, else stored), stored (read where the checkpoint "
                + "is mapped), tiled (copied into tiles at load, same dtype) or q8_0 (8-bit, quantised at load)");
    }
}
