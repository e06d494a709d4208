package org.specdec.backend.cuda;

import org.specdec.backend.Backend;
import org.specdec.backend.ModelRunner;
import org.specdec.model.LlamaWeights;
import org.specdec.model.ShardLayout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The CUDA backend of a tensor-parallel group: one {@link CudaBackend} per shard, each with its own
 * context binding and stream, over the group's GPUs ("cuda:0,1,2,3"), or all on one GPU when a
 * single device is named (the same code path, for a one-card check). Targets load as
 * {@link CudaTensorParallelRunner}s; a draft loads whole on the first device.
 */
public final class CudaTensorParallelBackend implements Backend {
    private final String device;
    private final List<CudaBackend> shards;
    private final List<CudaTensorParallelRunner> targets = new ArrayList<>();

    private CudaTensorParallelBackend(String device, List<CudaBackend> shards) {
        this.device = device;
        this.shards = List.copyOf(shards);
    }

    /**
     * Opens a group of {@code size} shards on {@code ordinals}: one shard per ordinal, or all of
     * them on the one ordinal given.
     */
    public static CudaTensorParallelBackend open(String device, List<Integer> ordinals, int size, int maxPositions,
                                                 int maxRows) {
        if (ordinals.size() != 1 && ordinals.size() != size) {
            throw new IllegalArgumentException("device '" + device + "' names " + ordinals.size() + " GPUs for tensor "
                    + "parallel " + size + ": name one GPU per shard (cuda:0,1,...) or one GPU for all shards");
        }
        if (size > DeviceAllReduce.MAX_SHARDS) {
            throw new IllegalArgumentException("tensor parallel " + size + " on " + device + ": the CUDA backend "
                    + "runs at most " + DeviceAllReduce.MAX_SHARDS + " shards");
        }
        List<CudaBackend> opened = new ArrayList<>();
        try {
            for (int r = 0; r < size; r++) {
                int ordinal = ordinals.get(ordinals.size() == 1 ? 0 : r);
                opened.add(CudaBackend.open("cuda:" + ordinal, maxPositions, maxRows));
            }
        } catch (RuntimeException e) {
            for (CudaBackend b : opened) {
                b.close();
            }
            throw e;
        }
        return new CudaTensorParallelBackend(device, opened);
    }

    @Override
    public String device() {
        return device;
    }

    /** The group's first device (the draft's). */
    public CudaBackend firstDevice() {
        return shards.get(0);
    }

    /** The draft: whole, on the group's first device. */
    @Override
    public ModelRunner load(LlamaWeights weights) {
        return shards.get(0).load(weights);
    }

    @Override
    public ModelRunner loadTarget(LlamaWeights weights) {
        int size = shards.size();
        ShardLayout.check(weights.config(), size);
        List<CudaModelRunner> parts = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            parts.add(shards.get(r).loadShard(weights, ShardLayout.of(weights.config(), size, r)));
        }
        CudaTensorParallelRunner runner = new CudaTensorParallelRunner(parts,
                new DeviceAllReduce(parts, DeviceAllReduce.choose(shards)));
        targets.add(runner);
        return runner;
    }

    /**
     * Free memory per shard: the least over the group's GPUs, divided among the shards that share
     * a GPU.
     */
    @Override
    public OptionalLong deviceMemoryBytes() {
        Map<Integer, long[]> perDevice = new LinkedHashMap<>();
        for (CudaBackend b : shards) {
            perDevice.computeIfAbsent(b.ordinal(), o -> new long[] {b.deviceMemoryBytes().orElseThrow(), 0})[1]++;
        }
        long least = Long.MAX_VALUE;
        for (long[] freeAndShards : perDevice.values()) {
            least = Math.min(least, freeAndShards[0] / freeAndShards[1]);
        }
        return OptionalLong.of(least);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (CudaTensorParallelRunner t : targets) {
            try {
                t.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        for (CudaBackend b : shards) {
            try {
                b.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
