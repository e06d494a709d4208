package org.specdec.udf.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The CPU backend's default thread count is the executor's share of the machine. */
class ExecutorCoresTest {

    static int cores(String master, String executorCores, int machine) {
        SparkConf conf = new SparkConf(false).set("spark.master", master);
        if (executorCores != null) {
            conf.set("spark.executor.cores", executorCores);
        }
        return ExecutorCores.of(conf, machine);
    }

    @Test
    void localModeUsesItsTaskSlots() {
        assertEquals(8, cores("local[*]", null, 8));
        assertEquals(2, cores("local[2]", null, 8));
        assertEquals(3, cores("local[3, 4]", null, 8), "local[N, maxFailures]");
        assertEquals(1, cores("local", null, 8));
        assertEquals(2, cores("local-cluster[2, 2, 1024]", null, 8));
        assertEquals(8, cores("local[16]", null, 8), "never more than the machine has");
        assertEquals(2, cores("local[2]", "4", 8), "spark.executor.cores does not apply in local mode");
    }

    @Test
    void clusterExecutorsUseTheirCores() {
        assertEquals(1, cores("spark://127.0.0.1:7077", "1", 2), "two 1-core executors on a 2-core host: 1 thread each");
        assertEquals(4, cores("yarn", "4", 32));
        assertEquals(32, cores("yarn", null, 32), "executor cores unknown: the whole machine");
        assertEquals(2, cores("k8s://https://host", "8", 2));
    }
}
