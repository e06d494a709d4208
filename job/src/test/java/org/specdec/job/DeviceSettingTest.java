package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.specdec.engine.EngineSettings;
import org.specdec.testing.SyntheticPair;
import org.specdec.udf.executor.ExecutorEngines;
import org.specdec.udf.executor.TaskPlacement;

/** model.device: auto follows the task's GPU, cpu forces the CPU backend on GPU executors, cuda:N pins a GPU. */
class DeviceSettingTest {

    static EngineSettings settings(String target, String device) {
        return EngineSettings.builder().target(target).k(0).maxBatch(4).threads(1).draftSwitch(false).device(device)
                .build();
    }

    @Test
    void autoUsesTheAssignedGpuAndCpuForcesTheCpu() {
        TaskPlacement gpu1 = new TaskPlacement(List.of("1"), "3", 0, 5, 2);
        TaskPlacement none = new TaskPlacement(List.of(), "driver", 0, 0, 1);
        assertEquals("1", gpu1.gpuAddress());
        assertEquals(null, none.gpuAddress());
        assertEquals("cuda:1", settings("/m", "auto").deviceFor(gpu1.device()));
        assertEquals("cpu", settings("/m", "auto").deviceFor(none.device()));
        assertEquals("cpu", settings("/m", "cpu").deviceFor(gpu1.device()));
        assertEquals("cuda:0", settings("/m", "cuda:0").deviceFor(gpu1.device()));
        assertEquals("auto", settings("/m", null).device());
        assertThrows(IllegalArgumentException.class, () -> settings("/m", "gpu"));
    }

    @Test
    void configKeyReachesTheEngineSettings(@TempDir Path dir) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("model.target", dir.resolve("t").toString());
        m.put("model.synthetic.preset", "tiny");
        m.put("input.path", "x");
        m.put("output.path", "y");
        assertEquals("auto", ModelSetup.prepare(JobConfig.of(m)).device());
        m.put("model.device", "cpu");
        assertEquals("cpu", ModelSetup.prepare(JobConfig.of(m)).device());
        m.put("model.device", "gpu");
        assertThrows(JobConfigException.class, () -> JobConfig.of(m));
    }

    @Test
    void aGpuTaskWithoutCudaBackendFailsNamingTheSetting(@TempDir Path dir) {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.specdec.backend.cuda.CudaAvailability.isAvailable(),
                "CUDA works here: cuda:0 opens");
        Path target = dir.resolve("t");
        SyntheticPair.make("tiny", 3, target, dir.resolve("d"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExecutorEngines.engine(
                settings(target.toString(), "auto"), new TaskPlacement(List.of("0"), "1", 0, 0, 0)));
        assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("model.device=cpu"), e.getMessage());
    }
}
