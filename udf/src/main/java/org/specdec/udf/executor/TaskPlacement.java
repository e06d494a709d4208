package org.specdec.udf.executor;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Where the current task runs: the GPU addresses Spark assigned to it (none for a CPU task),
 * executor and attempt number. Outside a task (driver code, tests) it reports no GPU and the driver.
 *
 * @param gpus        the addresses of the task's {@code gpu} resource, in Spark's order; several
 *                    when {@code spark.task.resource.gpu.amount} is above 1, and then one
 *                    tensor-parallel group ({@link org.specdec.engine.EngineSettings#tensorParallelFor})
 * @param executorId  Spark executor id ("driver" in local mode)
 * @param taskAttempt the task's attempt number (0 for the first try)
 * @param partition   the task's partition (-1 outside a task)
 * @param stage       the task's stage (-1 outside a task)
 */
public record TaskPlacement(List<String> gpus, String executorId, int taskAttempt, int partition, int stage) {

    public static final String GPU_RESOURCE = "gpu";

    public TaskPlacement {
        gpus = List.copyOf(gpus);
    }

    public static TaskPlacement current() {
        TaskContext ctx = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        String executor = env == null ? "driver" : env.executorId();
        if (ctx == null) {
            return new TaskPlacement(List.of(), executor, 0, -1, -1);
        }
        return new TaskPlacement(gpusOf(ctx.resourcesJMap()), executor, ctx.attemptNumber(), ctx.partitionId(),
                ctx.stageId());
    }

    /**
     * The device Spark assigned: "cuda:ADDR", "cuda:ADDR,ADDR,..." for several addresses (one
     * tensor-parallel group over them), "cpu" without one (the backend that runs is
     * {@link org.specdec.engine.EngineSettings#deviceFor}).
     */
    public String device() {
        return gpus.isEmpty() ? "cpu" : "cuda:" + String.join(",", gpus);
    }

    /** The task's gpu addresses as logs and the summary name them ("0" or "0,1"), or null without one. */
    public String gpuAddress() {
        return gpus.isEmpty() ? null : String.join(",", gpus);
    }

    /** The addresses of the task's gpu resource; none without one. */
    static List<String> gpusOf(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources == null ? null : resources.get(GPU_RESOURCE);
        return gpu == null ? List.of() : List.of(gpu.addresses());
    }
}
