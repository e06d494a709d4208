package org.specdec.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.CudaException;
import jcuda.driver.CUresult;

import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.cuCtxEnablePeerAccess;
import static jcuda.driver.JCudaDriver.cuDeviceCanAccessPeer;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemHostAlloc;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;
import static jcuda.driver.JCudaDriver.CU_MEMHOSTALLOC_PORTABLE;
import static org.specdec.backend.cuda.KernelArgs.i;
import static org.specdec.backend.cuda.KernelArgs.p;

/**
 * The all-reduce of a CUDA tensor-parallel group, after o_proj and down_proj: every shard adds the
 * sum of all shards' partial outputs to its own copy of the residual stream.
 *
 * <p>It is a one-shot all-reduce (each shard reads every partial once and reduces locally, as
 * NCCL-style libraries do for small messages, where latency and not bandwidth is the cost): at
 * decode size a partial is a few KB per token. Two paths:
 * <ul>
 *   <li>{@link Path#PEER}: each shard's kernel reads the other shards' partials in their device
 *       memory, through CUDA peer access (NVLink or PCIe P2P), or directly when the shards share a
 *       device.
 *   <li>{@link Path#HOST_STAGED}: where some pair of GPUs has no peer access, each shard copies its
 *       partial to pinned host memory, and every shard copies the others' back into staging
 *       buffers of its own before the same kernel runs.
 * </ul>
 * The partials are summed in rank order by {@code allreduce_add} (collective.cuh), so every shard
 * gets bit-identical sums whatever the timing.
 *
 * <p>Ordering is by events only, no host synchronisation: shard r records an event after writing
 * its partial; every shard's stream waits for all the others' events before reading. Partial set 0
 * (o_proj) and set 1 (down_proj) alternate, and a shard writes a set again only after it has waited
 * for every other shard's next partial, which those wrote after their last read of the set: no
 * shard overwrites a partial another still has to read.
 */
final class DeviceAllReduce implements AutoCloseable {
    /** How partials travel between the shards. */
    enum Path { PEER, HOST_STAGED }

    /** SPECDEC_CUDA_ALLREDUCE=host forces the host-staged path (to test it where peer access exists). */
    static final String PATH_ENV = "SPECDEC_CUDA_ALLREDUCE";
    /** Shards allreduce_add takes (ALLREDUCE_MAX_SHARDS in collective.cuh). */
    static final int MAX_SHARDS = 8;

    private final List<CudaModelRunner> shards;
    private final Path path;
    private final CUevent[] ready;
    private final List<Pointer> pinned = new ArrayList<>();
    /** Host-staged path: [shard][set] pinned copies of the partials. */
    private Pointer[][] host;
    /** Host-staged path: [shard][from shard] device copies of the other shards' partials. */
    private CUdeviceptr[][] staging;
    private int capacityTokens;
    private int generation;

    DeviceAllReduce(List<CudaModelRunner> shards, Path path) {
        if (shards.size() > MAX_SHARDS) {
            throw new IllegalArgumentException("tensor parallel " + shards.size() + " on CUDA: at most " + MAX_SHARDS
                    + " shards");
        }
        this.shards = List.copyOf(shards);
        this.path = path;
        this.ready = new CUevent[shards.size()];
        for (int r = 0; r < ready.length; r++) {
            shards.get(r).backend().bind();
            ready[r] = new CUevent();
            cuEventCreate(ready[r], CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }
    }

    /**
     * The path for a group on these backends: peer access where every pair of distinct devices has
     * it (enabled here), else host-staged; {@link #PATH_ENV}=host forces host-staged.
     */
    static Path choose(List<CudaBackend> backends) {
        if ("host".equalsIgnoreCase(System.getenv(PATH_ENV)) || "host".equals(System.getProperty("specdec.cuda.allreduce"))) {
            return Path.HOST_STAGED;
        }
        for (CudaBackend a : backends) {
            for (CudaBackend b : backends) {
                if (a.ordinal() == b.ordinal()) {
                    continue;  // one context: its kernels read each other's memory directly
                }
                int[] can = new int[1];
                cuDeviceCanAccessPeer(can, a.cuDevice(), b.cuDevice());
                if (can[0] == 0) {
                    return Path.HOST_STAGED;
                }
            }
        }
        for (CudaBackend a : backends) {
            for (CudaBackend b : backends) {
                if (a.ordinal() != b.ordinal()) {
                    a.bind();
                    try {
                        cuCtxEnablePeerAccess(b.context(), 0);
                    } catch (CudaException e) {
                        if (!e.getMessage().contains(CUresult.stringFor(
                                CUresult.CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED))) {
                            throw e;
                        }
                    }
                }
            }
        }
        return Path.PEER;
    }

    Path path() {
        return path;
    }

    /** Changes whenever the host-staged buffers are replaced (graphs hold their addresses). */
    int generation() {
        return generation;
    }

    /**
     * residual += sum over shards of partial {@code set}, for the first {@code m} tokens, on every
     * shard. Each shard must have queued the write of its partial before this call.
     */
    void addInto(int set, int m) {
        int n = shards.size();
        int ld = shards.get(0).ldHidden();
        long bytes = (long) m * ld * Float.BYTES;
        for (int r = 0; r < n; r++) {
            CudaModelRunner s = shards.get(r);
            s.backend().bind();
            if (path == Path.HOST_STAGED) {
                cuMemcpyDtoHAsync(host[r][set], s.partial(set), bytes, s.backend().stream());
            }
            cuEventRecord(ready[r], s.backend().stream());
        }
        for (int r = 0; r < n; r++) {
            CudaModelRunner s = shards.get(r);
            CudaBackend b = s.backend();
            b.bind();
            Pointer[] parts = new Pointer[MAX_SHARDS];
            for (int o = 0; o < n; o++) {
                if (o == r) {
                    parts[o] = s.partial(set);
                    continue;
                }
                cuStreamWaitEvent(b.stream(), ready[o], 0);
                if (path == Path.HOST_STAGED) {
                    cuMemcpyHtoDAsync(staging[r][o], host[o][set], bytes, b.stream());
                    parts[o] = staging[r][o];
                } else {
                    parts[o] = shards.get(o).partial(set);
                }
            }
            for (int o = n; o < MAX_SHARDS; o++) {
                parts[o] = parts[0];  // unused by the kernel; any valid pointer
            }
            int hidden = s.config().hiddenSize();
            b.launch("allreduce_add", LaunchGeometry.ceil(hidden, 256), m, 1, 256, p(s.residual()), i(ld), i(ld),
                    i(n), i(hidden), p(parts[0]), p(parts[1]), p(parts[2]), p(parts[3]), p(parts[4]), p(parts[5]),
                    p(parts[6]), p(parts[7]));
        }
    }

    /**
     * Sizes the host-staged buffers to the shards' activation buffers; called after the shards have
     * staged a pass and before anything of it is queued (the previous pass has finished).
     */
    void prepare() {
        if (path != Path.HOST_STAGED) {
            return;
        }
        int tokens = shards.get(0).tokenCapacity();
        if (tokens <= capacityTokens) {
            return;
        }
        freeStaging();
        generation++;
        int n = shards.size();
        long bytes = (long) tokens * shards.get(0).ldHidden() * Float.BYTES;
        host = new Pointer[n][2];
        staging = new CUdeviceptr[n][n];
        for (int r = 0; r < n; r++) {
            CudaBackend b = shards.get(r).backend();
            b.bind();
            for (int set = 0; set < 2; set++) {
                Pointer h = new Pointer();
                // Portable: every shard's context copies from it as pinned memory.
                cuMemHostAlloc(h, bytes, CU_MEMHOSTALLOC_PORTABLE);
                pinned.add(h);
                host[r][set] = h;
            }
            for (int o = 0; o < n; o++) {
                if (o != r) {
                    staging[r][o] = b.allocZeroed(bytes);
                }
            }
        }
        capacityTokens = tokens;
    }

    private void freeStaging() {
        if (staging != null) {
            for (int r = 0; r < staging.length; r++) {
                CudaBackend b = shards.get(r).backend();
                b.bind();
                for (CUdeviceptr d : staging[r]) {
                    b.free(d);
                }
            }
        }
        for (Pointer h : pinned) {
            cuMemFreeHost(h);
        }
        pinned.clear();
        staging = null;
        host = null;
        capacityTokens = 0;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        try {
            freeStaging();
        } catch (RuntimeException e) {
            first = e;
        }
        for (int r = 0; r < ready.length; r++) {
            try {
                shards.get(r).backend().bind();
                cuEventDestroy(ready[r]);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
