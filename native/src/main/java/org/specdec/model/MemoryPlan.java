package org.specdec.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.specdec.checkpoint.ModelConfig;

/**
 * What each device of a tensor-parallel group holds, computed from the mapped checkpoints before
 * anything is loaded: its shard of the target's weights (the embedding whole on each), the KV
 * cache of its key/value heads for every row, the activations of the largest pass, and, on the
 * first device, the whole draft with its cache. A group whose devices are too small is refused
 * before loading, naming the sizes and the smallest degree that would fit.
 */
public record MemoryPlan(int tensorParallel, List<Device> devices) {
    private static final long MIB = 1L << 20;

    /** One device's share. */
    public record Device(int rank, long weightBytes, long kvBytes, long activationBytes, long draftBytes) {
        public long total() {
            return weightBytes + kvBytes + activationBytes + draftBytes;
        }
    }

    /**
     * @param target   the target's mapped weights
     * @param draft    the draft's mapped weights, or null (a self-draft shares the target's)
     * @param rows     rows decoded together (max batch)
     * @param capacity positions per row's cache (context + draft block)
     * @param passTokens tokens of the largest pass (rows x (k+1), or a prefill)
     */
    public static MemoryPlan of(LlamaWeights target, LlamaWeights draft, int tensorParallel, int rows, int capacity,
                                int passTokens) {
        ModelConfig c = target.config();
        ShardLayout.check(c, tensorParallel);
        List<Device> devices = new ArrayList<>(tensorParallel);
        for (int r = 0; r < tensorParallel; r++) {
            ShardLayout s = ShardLayout.of(c, tensorParallel, r);
            long weights = target.shard(s).matrixBytes() + target.embedding().byteSize();
            long kv = (long) rows * 2L * c.numLayers() * capacity * s.kvDim(c) * Float.BYTES;
            long act = (long) passTokens * (3L * c.hiddenSize() + 2L * s.qDim(c) + 2L * s.kvDim(c)
                    + 2L * s.ffCount()) * Float.BYTES + (long) passTokens * c.vocabSize() * Float.BYTES;
            long draftBytes = 0;
            if (r == 0 && draft != null) {
                ModelConfig dc = draft.config();
                draftBytes = draft.matrixBytes() + draft.embedding().byteSize()
                        + (long) rows * 2L * dc.numLayers() * capacity * dc.kvDim() * Float.BYTES;
            }
            devices.add(new Device(r, weights, kv, act, draftBytes));
        }
        return new MemoryPlan(tensorParallel, List.copyOf(devices));
    }

    /** The most any one device needs. */
    public long largestDevice() {
        return devices.stream().mapToLong(Device::total).max().orElse(0);
    }

    /** One line per device. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Device d : devices) {
            b.append(String.format(Locale.ROOT, "device %d of %d: weights %s, KV %s, activations %s%s = %s%n",
                    d.rank(), tensorParallel, mib(d.weightBytes()), mib(d.kvBytes()), mib(d.activationBytes()),
                    d.draftBytes() > 0 ? ", draft " + mib(d.draftBytes()) : "", mib(d.total())));
        }
        return b.toString();
    }

    /**
     * Refuses a plan whose largest device needs more than {@code deviceBytes}, naming the sizes and
     * the smallest degree in {@code candidates} (plans for the same model) that fits, if any.
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
                tensorParallel, mib(largestDevice()), deviceName, mib(deviceBytes), fits, describe().strip()));
    }

    /** Plans for every degree that splits the model, up to {@code maxDegree}. */
    public static List<MemoryPlan> candidates(LlamaWeights target, LlamaWeights draft, int maxDegree, int rows,
                                              int capacity, int passTokens) {
        List<MemoryPlan> out = new ArrayList<>();
        for (int n = 1; n <= maxDegree; n++) {
            if (target.config().numHeads() % n == 0) {
                out.add(of(target, draft, n, rows, capacity, passTokens));
            }
        }
        return out;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }
}
