package org.specdec.job.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.specdec.job.stats.CompletionTimeline;

/**
 * A long run cut into equal shares of its rows, in the order they finished (tenths by default):
 * tokens/s and time per target pass of each share, beside the executors' heap and RSS, CPU use on
 * the host, and the control probe over the same stretch of time. Rows finish at whole seconds in
 * the timeline; within a second they are taken as evenly spread, so a share's time is exact to a
 * fraction of a second.
 */
final class SteadyStateTable {

    /** One share of the rows. NaN where nothing was measured. */
    record Share(int index, long rows, double startS, double endS, long tokens, double tokensPerS,
                 double msPerTargetPass, double heapMb, double rssMb, double jobCores, double otherCores,
                 double probeWallMs, double probeCpuMs, double probeMemoryMs) {
    }

    /** First, middle (all but the first and last) and last shares' tokens/s. */
    record Verdict(double first, double middle, double last) {
        double lastToMiddle() {
            return last / middle;
        }

        double firstToMiddle() {
            return first / middle;
        }

        /** The last share within {@code tolerance} (0.1 = 10%) of the middle shares. */
        boolean steady(double tolerance) {
            return Math.abs(lastToMiddle() - 1) <= tolerance;
        }
    }

    private final List<CompletionTimeline.Second> seconds;
    private final long epoch0;
    private final double[] start;
    private final double[] cumRows;
    private final double[] cumTokens;
    private final double[] cumSteps;
    private final double[] cumTargetMs;

    private SteadyStateTable(List<CompletionTimeline.Second> seconds) {
        this.seconds = seconds;
        int n = seconds.size();
        epoch0 = n == 0 ? 0 : seconds.get(0).epochSecond();
        start = new double[n];
        cumRows = new double[n + 1];
        cumTokens = new double[n + 1];
        cumSteps = new double[n + 1];
        cumTargetMs = new double[n + 1];
        for (int j = 0; j < n; j++) {
            CompletionTimeline.Second s = seconds.get(j);
            start[j] = s.epochSecond() - epoch0;
            cumRows[j + 1] = cumRows[j] + s.rows();
            cumTokens[j + 1] = cumTokens[j] + s.generatedTokens();
            cumSteps[j + 1] = cumSteps[j] + s.specSteps();
            cumTargetMs[j + 1] = cumTargetMs[j] + s.targetMs();
        }
    }

    /** The shares of a run whose rows finished as in {@code timeline}, with what was sampled meanwhile. */
    static List<Share> shares(CompletionTimeline timeline, int parts, List<ExecutorMemorySamples.Sample> memory,
                              List<HostCpuSampler.Sample> host, List<ControlProbe.Sample> probe) {
        SteadyStateTable t = new SteadyStateTable(timeline.seconds());
        List<Share> out = new ArrayList<>();
        int n = t.seconds.size();
        if (n == 0) {
            return out;
        }
        double total = t.cumRows[n];
        for (int i = 0; i < parts; i++) {
            double a = t.timeAtRows(total * i / parts);
            double b = t.timeAtRows(total * (i + 1) / parts);
            double tokens = t.at(t.cumTokens, b) - t.at(t.cumTokens, a);
            double steps = t.at(t.cumSteps, b) - t.at(t.cumSteps, a);
            double targetMs = t.at(t.cumTargetMs, b) - t.at(t.cumTargetMs, a);
            long from = t.epochMillis(a);
            long to = t.epochMillis(b);
            List<ExecutorMemorySamples.Sample> mem = memory.stream()
                    .filter(s -> s.epochMillis() >= from && s.epochMillis() < to).toList();
            List<HostCpuSampler.Sample> cpu = host.stream()
                    .filter(s -> s.epochMillis() >= from && s.epochMillis() < to).toList();
            List<ControlProbe.Sample> pr = probe.stream()
                    .filter(s -> s.epochMillis() >= from && s.epochMillis() < to).toList();
            out.add(new Share(i + 1, Math.round(total * (i + 1) / parts) - Math.round(total * i / parts), a, b,
                    Math.round(tokens), b > a ? tokens / (b - a) : Double.NaN,
                    steps > 0 ? targetMs / steps : Double.NaN,
                    max(mem, ExecutorMemorySamples.Sample::heapBytes) / (1 << 20),
                    max(mem, ExecutorMemorySamples.Sample::rssBytes) / (1 << 20),
                    mean(cpu, HostCpuSampler.Sample::jobCores), mean(cpu, HostCpuSampler.Sample::otherCores),
                    median(pr, ControlProbe.Sample::wallMs), median(pr, ControlProbe.Sample::cpuMs),
                    median(pr, ControlProbe.Sample::memoryMs)));
        }
        return out;
    }

    static Verdict verdict(List<Share> shares) {
        double middle = shares.subList(1, shares.size() - 1).stream().mapToDouble(Share::tokensPerS).average()
                .orElse(Double.NaN);
        return new Verdict(shares.get(0).tokensPerS(), middle, shares.get(shares.size() - 1).tokensPerS());
    }

    /** Seconds from the start of the first second in which a row finished until {@code rows} rows had. */
    private double timeAtRows(double rows) {
        int n = seconds.size();
        if (rows <= 0) {
            return start[0];
        }
        for (int j = 0; j < n; j++) {
            if (cumRows[j + 1] >= rows) {
                double inSecond = (rows - cumRows[j]) / (cumRows[j + 1] - cumRows[j]);
                return start[j] + inSecond;
            }
        }
        return start[n - 1] + 1;
    }

    /** A cumulative quantity at time t (seconds from the start), rows spread evenly within each second. */
    private double at(double[] cum, double t) {
        int n = seconds.size();
        for (int j = 0; j < n; j++) {
            if (t < start[j]) {
                return cum[j];
            }
            if (t < start[j] + 1) {
                return cum[j] + (cum[j + 1] - cum[j]) * (t - start[j]);
            }
        }
        return cum[n];
    }

    private long epochMillis(double t) {
        return Math.round((epoch0 + t) * 1000);
    }

    private static <T> double max(List<T> xs, ToDoubleFunction<T> f) {
        return xs.stream().mapToDouble(f).max().orElse(Double.NaN);
    }

    private static <T> double mean(List<T> xs, ToDoubleFunction<T> f) {
        return xs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static <T> double median(List<T> xs, ToDoubleFunction<T> f) {
        double[] v = xs.stream().mapToDouble(f).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The table in Markdown, then the first/middle/last comparison and each executor's peaks. */
    static String markdown(List<Share> shares, List<ExecutorMemorySamples.Sample> memory) {
        StringBuilder b = new StringBuilder();
        b.append("| share of rows | rows | seconds (from first row) | tokens/s | ms per target pass | executor heap max MB"
                + " | executor RSS max MB | job CPU (cores) | other processes' CPU (cores) | control: compute ms (wall / cpu)"
                + " | control: memory ms |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Share s : shares) {
            b.append(String.format(Locale.ROOT, "| %d | %d | %.1f-%.1f | %s | %s | %s | %s | %s | %s | %s / %s | %s |%n",
                    s.index(), s.rows(), s.startS(), s.endS(), f(s.tokensPerS(), 1), f(s.msPerTargetPass(), 2),
                    f(s.heapMb(), 0), f(s.rssMb(), 0), f(s.jobCores(), 2), f(s.otherCores(), 2),
                    f(s.probeWallMs(), 2), f(s.probeCpuMs(), 2), f(s.probeMemoryMs(), 2)));
        }
        if (shares.size() >= 3) {
            Verdict v = verdict(shares);
            b.append(String.format(Locale.ROOT, "%nfirst %s tokens/s, middle (shares 2-%d) %s tokens/s, last %s tokens/s: "
                            + "last/middle %.3f, first/middle %.3f; last within 10%% of the middle: %s%n",
                    f(v.first(), 1), shares.size() - 1, f(v.middle(), 1), f(v.last(), 1), v.lastToMiddle(),
                    v.firstToMiddle(), v.steady(0.10) ? "yes" : "NO"));
        }
        Map<String, long[]> byExecutor = new HashMap<>(); // heap peak, rss peak, first and last major GC count
        for (ExecutorMemorySamples.Sample s : memory) {
            long[] e = byExecutor.computeIfAbsent(s.executorId(), k -> new long[] {0, 0, s.majorGcCount(), 0});
            e[0] = Math.max(e[0], s.heapBytes());
            e[1] = Math.max(e[1], s.rssBytes());
            e[3] = s.majorGcCount();
        }
        byExecutor.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> b.append(String.format(
                Locale.ROOT, "executor %s: heap peak %d MB, RSS peak %s MB, major GCs during the run %d%n",
                e.getKey(), e.getValue()[0] >> 20, e.getValue()[1] == 0 ? "-" : Long.toString(e.getValue()[1] >> 20),
                e.getValue()[3] - e.getValue()[2])));
        return b.toString();
    }

    private static String f(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
