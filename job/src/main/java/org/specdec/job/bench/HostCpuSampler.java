package org.specdec.job.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * CPU use on this host once a second, split into the job's own processes (this JVM, the driver,
 * and the executor JVMs of the application on this host) and everything else, from Linux's
 * /proc: a slow-down while other processes take cores is the host's, one without is the job's.
 * Off (no samples) where /proc/stat is missing.
 */
final class HostCpuSampler extends BackgroundSampler<HostCpuSampler.Sample> {

    /** Cores in use over the second before {@code epochMillis}. */
    record Sample(long epochMillis, double jobCores, double otherCores) {
    }

    private static final Path STAT = Path.of("/proc/stat");

    private final String appId;
    private final int cores = Runtime.getRuntime().availableProcessors();

    HostCpuSampler(String appId) {
        super("specdec-host-cpu");
        this.appId = appId;
        if (Files.isReadable(STAT)) {
            start();
        }
    }

    @Override
    void sample() {
        long[] last = null;
        while (!closed()) {
            try {
                long[] host = totalAndBusy();
                long[] now = {host[0], host[1], jobTicks()};
                if (last != null && now[0] > last[0]) {
                    double perTick = cores / (double) (now[0] - last[0]);
                    double job = (now[2] - last[2]) * perTick;
                    double busy = (now[1] - last[1]) * perTick;
                    add(new Sample(System.currentTimeMillis(), job, Math.max(0, busy - job)));
                }
                last = now;
                TimeUnit.SECONDS.sleep(1);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                last = null; // a process ended between listing and reading: skip this second
            }
        }
    }

    /** All CPUs' ticks since boot, and the busy ones (everything but idle and iowait). */
    private static long[] totalAndBusy() throws IOException {
        String[] f = Files.readAllLines(STAT).get(0).trim().split("\\s+");
        long total = 0;
        long idle = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            long v = Long.parseLong(f[i]);
            total += v;
            if (i == 4 || i == 5) {
                idle += v;
            }
        }
        return new long[] {total, total - idle};
    }

    /** User + system ticks of this JVM and of this application's executor JVMs on this host. */
    private long jobTicks() throws IOException {
        Set<Long> pids = ProcessHandle.allProcesses()
                .filter(p -> p.pid() == ProcessHandle.current().pid() || p.info().commandLine()
                        .map(c -> c.contains("CoarseGrainedExecutorBackend") && c.contains(appId)).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
        long ticks = 0;
        for (long pid : pids) {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may hold spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        }
        return ticks;
    }
}
