package org.specdec.backend.cuda;

import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.testing.SyntheticPair;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the build puts in the jar and how the backend explains that it cannot run. */
class CudaAvailabilityTest {

    static boolean nvccOnBuildMachine() {
        if (System.getenv("NVCC") != null || new File("/usr/local/cuda/bin/nvcc").canExecute()) {
            return true;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "nvcc"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theBuildPutsTheFatbinInTheJarWhenNvccExists() {
        assumeTrue(nvccOnBuildMachine(), "nvcc not found: the build made no fatbin, nothing to check");
        assumeFalse(Boolean.getBoolean("specdec.cuda.skip"), "nvcc step skipped");
        byte[] fatbin = CudaAvailability.fatbin();
        assertNotNull(fatbin, CudaAvailability.FATBIN_RESOURCE + " is missing although nvcc exists");
        // A fatbin starts with its magic 0xBA55ED50 (little-endian).
        int magic = (fatbin[0] & 0xff) | (fatbin[1] & 0xff) << 8 | (fatbin[2] & 0xff) << 16 | (fatbin[3] & 0xff) << 24;
        assertEquals(0xBA55ED50, magic);
        assertTrue(fatbin.length > 100_000, "SASS for four architectures plus PTX");
    }

    @Test
    void withoutAGpuTheBackendIsUnavailableWithAReason() {
        CudaAvailability a = CudaAvailability.check();
        assumeFalse(a.available(), "a GPU is present: see the GPU tests");
        assertNotNull(a.reason());
        assertFalse(a.reason().isBlank());
        assertEquals(0, a.devices());
        System.out.println("CUDA backend unavailable here: " + a.reason());
    }

    @Test
    void openingCudaWithoutAGpuFailsWithThatReason() {
        CudaAvailability a = CudaAvailability.check();
        assumeFalse(a.available(), "a GPU is present: see the GPU tests");
        EngineSettings spec = EngineSettings.builder().target(SyntheticPair.target()).device("cuda:0").build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Engines.open(spec));
        assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        assertTrue(e.getMessage().contains("device cpu"), e.getMessage());
    }

    @Test
    void deviceNamesParse() {
        assertEquals(0, CudaBackend.parseOrdinal("cuda"));
        assertEquals(3, CudaBackend.parseOrdinal("cuda:3"));
        assertThrows(IllegalArgumentException.class, () -> CudaBackend.parseOrdinal("cuda:x"));
        assertThrows(IllegalArgumentException.class, () -> CudaBackend.parseOrdinal("cuda:-1"));
        assertEquals(java.util.List.of(2), CudaBackend.parseOrdinals("cuda:2"));
        assertEquals(java.util.List.of(0, 1, 3), CudaBackend.parseOrdinals("cuda:0,1,3"));
        assertThrows(IllegalArgumentException.class, () -> CudaBackend.parseOrdinals("cuda:0,0"));
        assertThrows(IllegalArgumentException.class, () -> CudaBackend.parseOrdinals("cuda:0,"));
    }

    @Test
    void aGpuListMustMatchTheTensorParallelDegree() {
        // Checked before any device is touched, so this runs without a GPU.
        IllegalArgumentException three = assertThrows(IllegalArgumentException.class,
                () -> org.specdec.backend.Backends.open("cuda:0,1,2", 1, 64, 1, 2));
        assertTrue(three.getMessage().contains("names 3 GPUs for tensor parallel 2"), three.getMessage());
        IllegalArgumentException whole = assertThrows(IllegalArgumentException.class,
                () -> org.specdec.backend.Backends.open("cuda:0,1", 1, 64, 1, 1));
        assertTrue(whole.getMessage().contains("set tensor parallel 2"), whole.getMessage());
    }
}
