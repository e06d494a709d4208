package org.specdec.udf.executor;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The CPU cores Spark gave this JVM's tasks, which the CPU backend uses when no thread count is
 * set: local[N] in local mode, spark.executor.cores on a cluster, never more than the machine has.
 * Every executor's engine spins its worker threads between the passes of a step, so a pool wider
 * than the executor's share of the machine competes with the other executors on the same host
 * for cores it was not given: two 1-core executors with a 2-thread pool each on a 2-core host
 * decode at half the speed of two 1-thread pools.
 */
public final class ExecutorCores {

    private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(,\\s*\\d+)?]");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*]");

    private ExecutorCores() {
    }

    /** Cores for this JVM's engine: from the running Spark's conf, or the whole machine outside Spark. */
    public static int current() {
        int machine = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        return env == null ? machine : of(env.conf(), machine);
    }

    /** Cores for an engine in a JVM run with {@code conf} on a machine with {@code machine} cores. */
    static int of(SparkConf conf, int machine) {
        String master = conf.get("spark.master", "");
        Integer cores = null;
        Matcher local = LOCAL.matcher(master);
        Matcher localCluster = LOCAL_CLUSTER.matcher(master);
        if (master.equals("local")) {
            cores = 1;
        } else if (local.matches()) {
            cores = local.group(1).equals("*") ? machine : Integer.parseInt(local.group(1));
        } else if (localCluster.matches()) {
            cores = Integer.parseInt(localCluster.group(1));
        } else if (conf.contains("spark.executor.cores")) {
            cores = conf.getInt("spark.executor.cores", machine);
        }
        return cores == null ? machine : Math.max(1, Math.min(cores, machine));
    }
}
