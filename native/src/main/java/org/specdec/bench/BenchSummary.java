package org.specdec.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The bench's summary: medians per concurrency and mode, speedups, verdicts, markdown tables.
 * Shared by the runtime CLI (console) and the launcher's bench (results.md, report.html).
 */
public final class BenchSummary {
    private BenchSummary() {
    }

    /**
     * One concurrency level, medians over repeats.
     *
     * @param byLabel  median result per mode label ("target-only", "k=2", "adaptive"), in run order
     * @param noise    the larger of (max - min) / median of target-only tokens/s over repeats and the
     *                 A/A gap |control / target-only - 1| of the medians; NaN with neither
     */
    public record Level(int concurrency, Map<String, BenchResult> byLabel, double noise) {

        public BenchResult targetOnly() {
            return byLabel.get(BenchResult.TARGET_ONLY);
        }

        public BenchResult adaptive() {
            return byLabel.get("adaptive");
        }

        /** The fixed-k result with the highest tokens/s, or null. */
        public BenchResult bestFixed() {
            return byLabel.values().stream().filter(r -> r.mode().equals(BenchResult.FIXED))
                    .max((a, b) -> Double.compare(a.tokensPerS(), b.tokensPerS())).orElse(null);
        }

        /** Speculative curve of the charts: adaptive if measured, else the best fixed k. */
        public BenchResult speculative() {
            return adaptive() != null ? adaptive() : bestFixed();
        }

        /** Median tokens/s of r over median target-only tokens/s at this level. */
        public double speedup(BenchResult r) {
            BenchResult base = targetOnly();
            return r == null || base == null ? Double.NaN : r.tokensPerS() / base.tokensPerS();
        }

        /**
         * The fastest mode measured at this level (target-only, a fixed k or adaptive; the A/A
         * control is not a mode), or null.
         */
        public BenchResult fastest() {
            return byLabel.values().stream().filter(r -> !r.mode().equals(BenchResult.CONTROL))
                    .max((a, b) -> Double.compare(a.tokensPerS(), b.tokensPerS())).orElse(null);
        }

        /** "OK" when speculative tokens/s is at least target-only's, within the measured noise. */
        public String verdict() {
            BenchResult s = speculative();
            if (s == null) {
                return "-";
            }
            double tol = Double.isNaN(noise) ? 0 : noise;
            return speedup(s) >= 1 - tol ? "OK" : "SLOWER";
        }
    }

    /** Groups results per concurrency and mode, taking the median tokens/s repeat of each (the lower of two). */
    public static List<Level> levels(List<BenchResult> results) {
        Map<Integer, List<BenchResult>> byC = results.stream()
                .collect(Collectors.groupingBy(BenchResult::concurrency, TreeMap::new, Collectors.toList()));
        List<Level> out = new ArrayList<>();
        for (Map.Entry<Integer, List<BenchResult>> e : byC.entrySet()) {
            Map<String, List<BenchResult>> byLabel = new java.util.LinkedHashMap<>();
            for (BenchResult r : e.getValue()) {
                byLabel.computeIfAbsent(r.label(), x -> new ArrayList<>()).add(r);
            }
            Map<String, BenchResult> median = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, List<BenchResult>> l : byLabel.entrySet()) {
                List<BenchResult> sorted = new ArrayList<>(l.getValue());
                sorted.sort((a, b) -> Double.compare(a.tokensPerS(), b.tokensPerS()));
                median.put(l.getKey(), sorted.get((sorted.size() - 1) / 2));
            }
            double noise = Double.NaN;
            List<BenchResult> base = byLabel.get(BenchResult.TARGET_ONLY);
            if (base != null && base.size() > 1) {
                double[] t = base.stream().mapToDouble(BenchResult::tokensPerS).sorted().toArray();
                noise = (t[t.length - 1] - t[0]) / t[(t.length - 1) / 2];
            }
            BenchResult control = median.get(BenchResult.CONTROL);
            BenchResult target = median.get(BenchResult.TARGET_ONLY);
            if (control != null && target != null) {
                double aa = Math.abs(control.tokensPerS() / target.tokensPerS() - 1);
                noise = Double.isNaN(noise) ? aa : Math.max(noise, aa);
            }
            out.add(new Level(e.getKey(), median, noise));
        }
        return out;
    }

    /**
     * The summary table: one row per concurrency. The conclusions come first (the speculative mode's
     * verdict and the fastest mode with its speedup), the measurements they rest on after them.
     */
    public static List<String> summaryHeader() {
        return List.of("concurrency", "verdict", "fastest mode", "target-only tok/s", "speculative tok/s", "speedup",
                "predicted", "best fixed k", "acceptance", "alpha", "tokens/pass", "c", "no-draft passes",
                "control (A/A)", "noise");
    }

    public static List<List<String>> summaryRows(List<Level> levels) {
        List<List<String>> rows = new ArrayList<>();
        for (Level l : levels) {
            BenchResult base = l.targetOnly();
            BenchResult s = l.speculative();
            BenchResult best = l.bestFixed();
            BenchResult fastest = l.fastest();
            rows.add(Arrays.asList(
                    Integer.toString(l.concurrency()),
                    s == null ? "-" : l.verdict() + " (" + s.label() + ")",
                    fastest == null ? "-" : fastest.label() + (fastest.mode().equals(BenchResult.TARGET_ONLY) ? ""
                            : " (" + times(l.speedup(fastest)) + ")"),
                    base == null ? "-" : f1(base.tokensPerS()),
                    s == null ? "-" : f1(s.tokensPerS()) + " (" + s.label() + ")",
                    s == null ? "-" : times(l.speedup(s)),
                    s == null ? "-" : times(s.predictedSpeedup()),
                    best == null ? "-" : best.label() + ": " + times(l.speedup(best)),
                    s == null ? "-" : f3(s.acceptanceRate()),
                    s == null ? "-" : f3(s.alpha()),
                    s == null ? "-" : f2(s.meanAcceptanceLength()),
                    s == null ? "-" : f3(s.costRatioC()),
                    s == null || s.steps() == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%",
                            100.0 * s.skippedSteps() / s.steps()),
                    l.byLabel().containsKey(BenchResult.CONTROL)
                            ? times(l.speedup(l.byLabel().get(BenchResult.CONTROL))) : "-",
                    Double.isNaN(l.noise()) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * l.noise())));
        }
        return rows;
    }

    /** Every measured configuration (medians over repeats). */
    public static List<String> detailHeader() {
        return List.of("concurrency", "mode", "tok/s", "speedup", "predicted", "gen mean ms", "gen p50 ms",
                "gen p95 ms", "ttft mean ms", "ttft p95 ms", "acceptance", "tokens/pass", "mean k");
    }

    public static List<List<String>> detailRows(List<Level> levels) {
        List<List<String>> rows = new ArrayList<>();
        for (Level l : levels) {
            for (BenchResult r : l.byLabel().values()) {
                rows.add(Arrays.asList(Integer.toString(r.concurrency()), r.label(), f1(r.tokensPerS()),
                        times(l.speedup(r)), times(r.predictedSpeedup()),
                        f1(r.genTimeMeanMs()), f1(r.genTimeP50Ms()), f1(r.genTimeP95Ms()), f1(r.ttftMeanMs()),
                        f1(r.ttftP95Ms()), f3(r.acceptanceRate()), f2(r.meanAcceptanceLength()), f2(r.meanK())));
            }
        }
        return rows;
    }

    /** A markdown table (for BENCHMARKS.md and the console). */
    public static String markdown(List<String> header, List<List<String>> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| ").append(String.join(" | ", header)).append(" |\n|");
        b.append("---|".repeat(header.size())).append('\n');
        for (List<String> r : rows) {
            b.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return b.toString();
    }

    public static String f1(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    public static String f2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    /** A ratio as "1.23x", or "-" when it was not measured. */
    public static String times(double v) {
        return Double.isNaN(v) ? "-" : f2(v) + "x";
    }

    public static String f3(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
