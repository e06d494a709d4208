package org.specdec.udf.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** A task's device is the first address of its gpu resource; without one, the CPU. */
class TaskPlacementTest {

    @Test
    void deviceIsTheFirstGpuAddressOrTheCpu() {
        assertEquals("cuda:3", TaskPlacement.deviceOf(Map.of(TaskPlacement.GPU_RESOURCE,
                new ResourceInformation("gpu", new String[] {"3", "4"}))));
        assertEquals("cpu", TaskPlacement.deviceOf(Map.of(TaskPlacement.GPU_RESOURCE,
                new ResourceInformation("gpu", new String[0]))));
        assertEquals("cpu", TaskPlacement.deviceOf(Map.of()));
        assertEquals("cpu", TaskPlacement.deviceOf(null));
    }

    @Test
    void gpuAddressIsTheDevicesIndex() {
        assertEquals("3", new TaskPlacement("cuda:3", "1", 0, 0, 0).gpuAddress());
        assertNull(new TaskPlacement("cpu", "1", 0, 0, 0).gpuAddress());
    }

    @Test
    void outsideATaskItIsTheDriversCpu() {
        TaskPlacement p = TaskPlacement.current();
        assertEquals("cpu", p.device());
        assertEquals(-1, p.partition());
        assertEquals(-1, p.stage());
    }
}
