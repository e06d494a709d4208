package org.specdec.udf;

import java.io.Serializable;
import java.nio.file.Path;
import org.specdec.engine.EngineSpec;
import org.specdec.udf.executor.ExecutorCores;
import org.specdec.udf.executor.TaskPlacement;

/**
 * The serializable half of an {@link EngineSpec}: everything but the device, which only the
 * executor knows (it comes from the task's GPU resource). Shipped inside task closures.
 *
 * @param target          target model directory
 * @param draft           independent draft model directory, or null
 * @param selfDraftLayers self-draft from the target's first n layers when draft is null (0 = none)
 * @param k               draft tokens per step (0 = target-only)
 * @param adaptiveK       let k follow acceptance within 1..maxK
 * @param maxK            upper bound for adaptive k
 * @param maxBatch        rows decoded together by the shared engine
 * @param threads         CPU backend threads (0 = the cores Spark gave the executor, see {@link ExecutorCores})
 * @param maxContext      KV cache length per row (0 = model default)
 * @param draftSwitch     turn drafting off at batch sizes where the measured cost model says it does not pay
 * @param device          {@value #AUTO}: the GPU Spark assigned to the task ({@code cuda:N}), the CPU
 *                        without one; {@value #CPU}: always the CPU backend, also on executors that
 *                        were given a GPU (the assigned address is still logged per task)
 */
public record EngineSettings(String target, String draft, int selfDraftLayers, int k, boolean adaptiveK, int maxK,
                             int maxBatch, int threads, int maxContext, boolean draftSwitch, String device)
        implements Serializable {

    public static final String AUTO = "auto";
    public static final String CPU = "cpu";

    public EngineSettings {
        device = device == null ? AUTO : device;
        if (!device.equals(AUTO) && !device.equals(CPU)) {
            throw new IllegalArgumentException("device '" + device + "': use " + AUTO + " (the task's GPU, else the CPU)"
                    + " or " + CPU);
        }
    }

    /** Without the draft switch (fixed behaviour), device auto. */
    public EngineSettings(String target, String draft, int selfDraftLayers, int k, boolean adaptiveK, int maxK,
                          int maxBatch, int threads, int maxContext) {
        this(target, draft, selfDraftLayers, k, adaptiveK, maxK, maxBatch, threads, maxContext, false, AUTO);
    }

    /** The backend device for a task placed at {@code where}: its GPU under auto, else the CPU. */
    public String deviceFor(TaskPlacement where) {
        return device.equals(CPU) ? CPU : where.device();
    }

    /** The engine for {@code device} in this JVM; threads 0 becomes the cores Spark gave it. */
    public EngineSpec toSpec(String device) {
        return new EngineSpec(Path.of(target), draft == null ? null : Path.of(draft), selfDraftLayers, k,
                adaptiveK, maxK, maxBatch, device, threads > 0 ? threads : ExecutorCores.current(), maxContext,
                draftSwitch);
    }
}
