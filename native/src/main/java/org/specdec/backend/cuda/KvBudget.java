package org.specdec.backend.cuda;

/**
 * How many rows of KV cache fit on the device. The cache is F32 (as on the CPU, so both backends
 * attend over the same values), laid out per row as [layer][position][kvDim] for keys and again
 * for values, and preallocated for {@code rows} rows when a model is loaded. The budget is the
 * free memory cuMemGetInfo reports after the weights are uploaded, less a reserve for activations
 * and the split-K workspace. Too little memory is a startup error that names the numbers.
 */
public final class KvBudget {
    private static final long MIB = 1L << 20;

    private KvBudget() {}

    public static long bytesPerRow(int layers, int capacity, int kvDim) {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }

    /** Rows that fit in {@code freeBytes} after {@code reserveBytes}. */
    public static long rowsThatFit(long freeBytes, long reserveBytes, long bytesPerRow) {
        long usable = freeBytes - reserveBytes;
        return usable <= 0 ? 0 : usable / bytesPerRow;
    }

    /**
     * Checks that {@code rows} rows of {@code capacity} positions fit; otherwise throws an error
     * naming the free memory, the need and the settings to change.
     */
    public static void require(String device, String model, long freeBytes, long reserveBytes, int rows,
                               int layers, int capacity, int kvDim) {
        long perRow = bytesPerRow(layers, capacity, kvDim);
        long fit = rowsThatFit(freeBytes, reserveBytes, perRow);
        if (fit < rows) {
            throw new IllegalStateException(String.format(
                    "%s: not enough GPU memory for the KV cache of %s: %d rows x %d positions need %d MiB"
                            + " (%d MiB per row: %d layers x %d kv dims x 2 x F32) plus a %d MiB reserve,"
                            + " but only %d MiB are free after loading the weights (room for %d rows)."
                            + " Lower max_batch or max_context, or use a smaller model.",
                    device, model, rows, capacity, rows * perRow / MIB, perRow / MIB, layers, kvDim,
                    reserveBytes / MIB, freeBytes / MIB, fit));
        }
    }
}
