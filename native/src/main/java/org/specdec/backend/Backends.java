package org.specdec.backend;

import org.specdec.backend.cpu.CpuBackend;
import org.specdec.backend.cpu.CpuWeights;
import org.specdec.backend.cuda.CudaBackend;
import org.specdec.backend.cuda.CudaTensorParallelBackend;

/** Chooses the backend for a device name, once at start-up: the engine and the benches all open it here. */
public final class Backends {
    private Backends() {
    }

    /**
     * Opens the backend for {@code device}.
     *
     * @param device       "cpu" (also when null, and "auto": outside Spark no GPU is assigned, and Spark
     *                     surfaces resolve auto to the task's GPU first), "cuda" or "cuda:N"
     * @param threads      CPU worker threads (0 = all cores); unused on a GPU
     * @param maxPositions positions per row the backend must hold (KV cache and RoPE tables)
     * @param maxRows      rows decoded together, which sizes a GPU's per-pass buffers
     * @throws IllegalArgumentException for any other device name
     */
    public static Backend open(String device, int threads, int maxPositions, int maxRows) {
        return open(device, threads, maxPositions, maxRows, 1);
    }

    /**
     * Opens the backend for {@code device} with targets split over {@code tensorParallel} shards.
     *
     * @param device "cpu", "cuda:N" (with tensor parallel N > 1: all shards on that GPU) or
     *               "cuda:N,M,..." (one shard per GPU)
     * @throws IllegalArgumentException for a device name it does not know, or a GPU list that does not
     *                                  match the tensor-parallel degree
     */
    public static Backend open(String device, int threads, int maxPositions, int maxRows, int tensorParallel) {
        return open(device, threads, maxPositions, maxRows, tensorParallel, CpuWeights.AUTO);
    }

    /**
     * {@link #open(String, int, int, int, int)}; {@code cpuWeights} is how a CPU backend holds the
     * matrices (a GPU backend reads them as stored).
     */
    public static Backend open(String device, int threads, int maxPositions, int maxRows, int tensorParallel,
                               CpuWeights cpuWeights) {
        String d = device == null ? "cpu" : device;
        if (d.equals("cpu") || d.equals("auto")) {
            return new CpuBackend(threads, maxPositions, tensorParallel, cpuWeights);
        }
        if (d.startsWith("cuda")) {
            java.util.List<Integer> ordinals = CudaBackend.parseOrdinals(d);
            if (tensorParallel > 1) {
                // Every shard opens its device as CudaBackend.open does, with the same availability checks.
                return CudaTensorParallelBackend.open(d, ordinals, tensorParallel, maxPositions, Math.max(1, maxRows));
            }
            if (ordinals.size() > 1) {
                throw new IllegalArgumentException("device '" + d + "' names " + ordinals.size() + " GPUs: set tensor "
                        + "parallel " + ordinals.size() + " to split the target over them, or name one GPU");
            }
            // Fails with CudaAvailability's reason (no kernels in the jar, no driver, no device).
            return CudaBackend.open(d, maxPositions, Math.max(1, maxRows));
        }
        throw new IllegalArgumentException("unknown device '" + d + "' (use cpu or cuda:N)");
    }
}
