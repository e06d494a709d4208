package org.specdec.udf.executor;

import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Where the current task runs: its device (the GPU Spark assigned to it, or the CPU), executor and
 * attempt number. Outside a task (driver code, tests) it reports the CPU and the driver.
 *
 * @param device      "cuda:N" from the task's {@code gpu} resource, else "cpu" (what Spark assigned;
 *                    the backend that runs is
 *                    {@link org.specdec.engine.EngineSettings#deviceFor})
 * @param executorId  Spark executor id ("driver" in local mode)
 * @param taskAttempt the task's attempt number (0 for the first try)
 * @param partition   the task's partition (-1 outside a task)
 * @param stage       the task's stage (-1 outside a task)
 */
public record TaskPlacement(String device, String executorId, int taskAttempt, int partition, int stage) {

    public static final String GPU_RESOURCE = "gpu";

    public static TaskPlacement current() {
        TaskContext ctx = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        String executor = env == null ? "driver" : env.executorId();
        if (ctx == null) {
            return new TaskPlacement("cpu", executor, 0, -1, -1);
        }
        return new TaskPlacement(deviceOf(ctx.resourcesJMap()), executor, ctx.attemptNumber(), ctx.partitionId(),
                ctx.stageId());
    }

    /** The GPU address Spark assigned to the task, or null without a gpu resource. */
    public String gpuAddress() {
        return device.startsWith("cuda:") ? device.substring("cuda:".length()) : null;
    }

    /** "cuda:ADDR" for the first address of the task's gpu resource, "cpu" without one. */
    static String deviceOf(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources == null ? null : resources.get(GPU_RESOURCE);
        if (gpu == null || gpu.addresses().length == 0) {
            return "cpu";
        }
        return "cuda:" + gpu.addresses()[0];
    }
}
