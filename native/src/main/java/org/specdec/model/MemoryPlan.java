package org.specdec.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.specdec.checkpoint.ModelConfig;

/**
 * What each device of a tensor-parallel group holds, computed from the models' shapes alone
 * (config.json, no weights): its shard of the target's weights (the embedding whole on each), the
 * KV cache of its key/value heads for every row, the activations of the largest pass, and, on the
 * first device, the draft with its cache. A group whose devices are too small is refused before
 * loading, naming the sizes and the smallest degree that would fit.
 */
public record MemoryPlan(int tensorParallel, List<Device> devices) {
    private static final double MIB = 1L << 20;
    private static final double GIB = 1L << 30;

    /** One device's share; the draft's weights and cache are on the first device only. */
    public record Device(int rank, long weightBytes, long kvBytes, long activationBytes, long draftWeightBytes,
                         long draftKvBytes) {
        public long total() {
            return weightBytes + kvBytes + activationBytes + draftWeightBytes + draftKvBytes;
        }

        public long draftBytes() {
            return draftWeightBytes + draftKvBytes;
        }

        /**
         * What the CPU backend keeps on the heap for this shard besides any copies of its matrices
         * (model.cpu_weights tiled, which the runner checks against the heap before copying, or q8_0).
         */
        public long heapBytes() {
            return kvBytes + activationBytes + draftKvBytes;
        }
    }

    /**
     * @param target     the target's shape
     * @param draft      the draft's shape (a self-draft's shares the target's weights), or null
     * @param rows       rows decoded together (max batch)
     * @param capacity   positions per row's cache (context + draft block)
     * @param passTokens tokens of the largest pass (rows x (k+1))
     */
    public static MemoryPlan of(ModelShape target, ModelShape draft, int tensorParallel, int rows, int capacity,
                                int passTokens) {
        ModelConfig c = target.config();
        ShardLayout.check(c, tensorParallel);
        List<Device> devices = new ArrayList<>(tensorParallel);
        for (int r = 0; r < tensorParallel; r++) {
            ShardLayout s = ShardLayout.of(c, tensorParallel, r);
            long act = (long) passTokens * (3L * c.hiddenSize() + 2L * s.qDim(c) + 2L * s.kvDim(c)
                    + 2L * s.ffCount()) * Float.BYTES + (long) passTokens * c.vocabSize() * Float.BYTES;
            long draftWeights = 0;
            long draftKv = 0;
            if (r == 0 && draft != null) {
                ShardLayout whole = ShardLayout.whole(draft.config());
                draftWeights = draft.weightBytes(whole);
                draftKv = draft.kvBytes(whole, rows, capacity);
            }
            devices.add(new Device(r, target.weightBytes(s), target.kvBytes(s, rows, capacity), act, draftWeights,
                    draftKv));
        }
        return new MemoryPlan(tensorParallel, List.copyOf(devices));
    }

    /** Plans for every degree up to {@code maxDegree} that splits the target's heads. */
    public static List<MemoryPlan> candidates(ModelShape target, ModelShape draft, int maxDegree, int rows,
                                              int capacity, int passTokens) {
        List<MemoryPlan> out = new ArrayList<>();
        for (int n = 1; n <= maxDegree; n++) {
            if (target.config().numHeads() % n == 0) {
                out.add(of(target, draft, n, rows, capacity, passTokens));
            }
        }
        return out;
    }

    /** The most any one device needs. */
    public long largestDevice() {
        return devices.stream().mapToLong(Device::total).max().orElse(0);
    }

    /** What a CPU group keeps on the heap, which all its shards share. */
    public long heapBytes() {
        return devices.stream().mapToLong(Device::heapBytes).sum();
    }

    /** One line per device. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Device d : devices) {
            b.append(String.format(Locale.ROOT, "device %d of %d: weights %s, KV %s, activations %s%s = %s%n",
                    d.rank(), tensorParallel, size(d.weightBytes()), size(d.kvBytes()), size(d.activationBytes()),
                    d.draftBytes() > 0 ? ", draft " + size(d.draftBytes()) : "", size(d.total())));
        }
        return b.toString();
    }

    /**
     * Refuses a plan whose largest device needs more than {@code deviceBytes}, naming the sizes and
     * the smallest degree in {@code candidates} (plans for the same models) that fits, if any.
     */
    public void require(long deviceBytes, String deviceName, List<MemoryPlan> candidates) {
        if (largestDevice() <= deviceBytes) {
            return;
        }
        String fits = candidates.stream().filter(p -> p.largestDevice() <= deviceBytes)
                .map(p -> String.valueOf(p.tensorParallel())).findFirst()
                .map(n -> " Tensor parallel " + n + " would fit.")
                .orElse(" No tensor parallel degree up to " + candidates.stream()
                        .mapToInt(MemoryPlan::tensorParallel).max().orElse(tensorParallel)
                        + " fits: lower max_batch or max_context, or use more or larger devices.");
        throw new IllegalStateException(String.format(Locale.ROOT,
                "the model does not fit with tensor parallel %d: a device needs %s but %s has %s.%s%n%s",
                tensorParallel, size(largestDevice()), deviceName, size(deviceBytes), fits, describe().strip()));
    }

    /** Bytes in MiB, or GiB from 1 GiB up. */
    public static String size(long bytes) {
        return bytes >= GIB ? String.format(Locale.ROOT, "%.1f GiB", bytes / GIB)
                : String.format(Locale.ROOT, "%.1f MiB", bytes / MIB);
    }
}
