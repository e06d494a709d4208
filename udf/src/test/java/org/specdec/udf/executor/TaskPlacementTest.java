package org.specdec.udf.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;

/**
 * A task's gpus are its gpu resource's addresses; its device the first of them, else the CPU; and
 * a task with several addresses gets one tensor-parallel group over them.
 */
class TaskPlacementTest {

    static EngineSettings settings(String device, int tensorParallel) {
        return EngineSettings.builder().target("/m").device(device).threads(1).tensorParallel(tensorParallel).build();
    }

    static TaskPlacement on(String... gpus) {
        return new TaskPlacement(List.of(gpus), "1", 0, 0, 0);
    }

    @Test
    void gpusAreTheResourceAddressesAndTheDeviceNamesThemAll() {
        List<String> two = TaskPlacement.gpusOf(Map.of(TaskPlacement.GPU_RESOURCE,
                new ResourceInformation("gpu", new String[] {"3", "4"})));
        assertEquals(List.of("3", "4"), two);
        assertEquals("cuda:3,4", new TaskPlacement(two, "1", 0, 0, 0).device());
        assertEquals(List.of(), TaskPlacement.gpusOf(Map.of(TaskPlacement.GPU_RESOURCE,
                new ResourceInformation("gpu", new String[0]))));
        assertEquals(List.of(), TaskPlacement.gpusOf(Map.of()));
        assertEquals(List.of(), TaskPlacement.gpusOf(null));
        assertEquals("cpu", on().device());
    }

    @Test
    void gpuAddressNamesEveryAddress() {
        assertEquals("3", on("3").gpuAddress());
        assertEquals("0,1", on("0", "1").gpuAddress());
        assertNull(on().gpuAddress());
    }

    @Test
    void outsideATaskItIsTheDriversCpu() {
        TaskPlacement p = TaskPlacement.current();
        assertEquals("cpu", p.device());
        assertEquals(List.of(), p.gpus());
        assertEquals(-1, p.partition());
        assertEquals(-1, p.stage());
    }

    @Test
    void autoSplitsTheTargetOverTheTasksGpus() {
        int auto = EngineSettings.AUTO_TENSOR_PARALLEL;
        EngineSettings two = ExecutorEngines.resolve(settings("cpu", auto), on("0", "1"));
        assertEquals(2, two.tensorParallel());
        assertEquals("cpu", two.device());
        assertEquals("tensor-parallel group of 2 over gpu addresses 0,1 (backend cpu)",
                ExecutorEngines.group(two, on("0", "1")));
        assertEquals(4, ExecutorEngines.resolve(settings("auto", auto), on("4", "5", "6", "7")).tensorParallel());
        assertEquals("cuda:4,5,6,7", ExecutorEngines.resolve(settings("auto", auto), on("4", "5", "6", "7")).device());
        // One address or none: the whole model, or the N that was set (CPU shards).
        assertEquals(1, ExecutorEngines.resolve(settings("auto", auto), on("0")).tensorParallel());
        assertEquals(1, ExecutorEngines.resolve(settings("cpu", auto), on()).tensorParallel());
        assertEquals(2, ExecutorEngines.resolve(settings("cpu", 2), on()).tensorParallel());
        assertEquals(2, ExecutorEngines.resolve(settings("cpu", 2), on("0", "1")).tensorParallel());
    }

    @Test
    void aTasksGpusTakeNoOtherDegree() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExecutorEngines.resolve(settings("cpu", 2), on("0", "1", "2", "3")));
        assertTrue(e.getMessage().contains("model.tensor_parallel 2") && e.getMessage().contains("4 gpu addresses")
                && e.getMessage().contains("spark.task.resource.gpu.amount"), e.getMessage());
    }
}
