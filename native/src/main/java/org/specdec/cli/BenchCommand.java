package org.specdec.cli;

import org.specdec.backend.ForwardBatch;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.Backend;
import org.specdec.speculative.AcceptanceRows;
import org.specdec.speculative.DeviceAcceptance;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.backend.cuda.CudaBackend;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.engine.EngineSpec;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.SamplingParams;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * {@code bench}: speculative vs target-only decoding measured side by side in one run, with the
 * speedup the DESIGN formula predicts from the measured acceptance a and cost ratio c:
 * S = (1 - a^(k+1)) / ((1 - a)(k c + 1)). Also the verification-pass cost (k+1 positions vs 1),
 * the share of the memory-bandwidth roofline reached, and peak memory.
 */
final class BenchCommand {
    static final Set<String> VALUE_FLAGS = Set.of("--target", "--draft", "--self-draft", "--batch", "--k",
            "--max-tokens", "--prompts", "--threads", "--bandwidth-gbs", "--out", "--prompt-len", "--seed", "--device");
    static final Set<String> BOOLEAN_FLAGS = Set.of("--adaptive");

    private BenchCommand() {}

    static String usage() {
        return """
                bench --target DIR (--draft DIR | --self-draft N) [--batch 1,8] [--k 1..8] [--adaptive]
                      [--max-tokens 64] [--prompts ROWS_PER_BATCH_MULTIPLE] [--prompt-len 16] [--threads 0]
                      [--bandwidth-gbs 47] [--out results.md] [--device cpu|cuda:N]
                """;
    }

    private record Run(int batch, String mode, int k, double tokensPerS, double acceptance, double meanLen,
                       double ttftMs) {
    }

    static int run(String[] argv, PrintStream out) {
        Args a = new Args(argv, 1, VALUE_FLAGS, BOOLEAN_FLAGS);
        Path target = a.requirePath("--target");
        Path draft = a.path("--draft");
        int self = a.getInt("--self-draft", 0);
        if (draft == null && self == 0) {
            throw new IllegalArgumentException("bench needs --draft DIR or --self-draft N");
        }
        int[] batches = Args.intList(a.get("--batch", "1,8"));
        int[] ks = Args.intList(a.get("--k", "1..8"));
        int maxTokens = a.getInt("--max-tokens", 64);
        int promptLen = a.getInt("--prompt-len", 16);
        int rounds = a.getInt("--prompts", 2);
        int threads = a.getInt("--threads", 0);
        double bandwidth = a.getDouble("--bandwidth-gbs", 47);
        String device = a.get("--device", "cpu");
        StringBuilder report = new StringBuilder();
        String draftName = draft != null ? draft.getFileName().toString() : "self-draft " + self + " layers";

        line(out, report, String.format(Locale.ROOT, "target %s, draft %s, threads %d, Java %s",
                target.getFileName(), draftName, threads == 0 ? Runtime.getRuntime().availableProcessors() : threads,
                System.getProperty("java.version")));
        // Forward-pass costs measured directly on the runners, per batch size.
        double[][] costs = new double[batches.length][];
        for (int bi = 0; bi < batches.length; bi++) {
            int batch = batches[bi];
            double[] cost = passCosts(target, draft, self, threads, batch, device);
            costs[bi] = cost;
            double rooflineTps = bandwidth * 1e9 / cost[3];
            line(out, report, String.format(Locale.ROOT,
                    "batch %d forward: target %.2f ms (1 position/row), %.2f ms (5 positions/row) -> verification "
                            + "cost ratio %.2fx; draft %.2f ms -> cost ratio c = %.3f; target reads %.1f MB of weights "
                            + "per pass = %.1f GB/s = %.0f%% of the %.0f GB/s roofline (%.1f tokens/s per sequence)",
                    batch, cost[0], cost[1], cost[1] / cost[0], cost[2], cost[2] / cost[0], cost[3] / 1e6,
                    cost[3] / cost[0] / 1e6, 100 * (1000 / cost[0]) / rooflineTps, bandwidth, rooflineTps));
        }
        line(out, report, "");
        line(out, report, "| batch | mode | k | tokens/s | speedup | predicted | acceptance | tokens/pass | TTFT ms |");
        line(out, report, "|---|---|---|---|---|---|---|---|---|");
        List<Run> runs = new ArrayList<>();
        for (int bi = 0; bi < batches.length; bi++) {
            int batch = batches[bi];
            double c = costs[bi][2] / costs[bi][0];
            List<GenerationRequest> reqs = prompts(batch * rounds, promptLen, target, maxTokens, a.getLong("--seed", 1));
            // Warm-up: JIT-compile the hot loops (draft, verify, target-only) before anything is timed.
            measure(new EngineSpec(target, draft, self, ks[0], false, ks[0], batch, device, threads, 0),
                    reqs.subList(0, Math.min(reqs.size(), batch)), batch, "warmup", ks[0]);
            measure(EngineSpec.targetOnly(target).withMaxBatch(batch).withDevice(device), reqs.subList(0, Math.min(reqs.size(), batch)),
                    batch, "warmup", 0);
            int context = promptLen + maxTokens + 1;
            Run base = measure(new EngineSpec(target, null, 0, 0, false, 0, batch, device, threads, context), reqs,
                    batch, "target-only", 0);
            runs.add(base);
            row(out, report, base, base, Double.NaN);
            for (int k : ks) {
                EngineSpec spec = new EngineSpec(target, draft, self, k, a.flag("--adaptive"), Math.max(k, 8), batch,
                        device, threads, context);
                Run r = measure(spec, reqs, batch, a.flag("--adaptive") ? "adaptive" : "speculative", k);
                runs.add(r);
                double alpha = Math.min(r.acceptance, 0.999999);
                double predicted = (1 - Math.pow(alpha, k + 1)) / ((1 - alpha) * (k * c + 1));
                row(out, report, r, base, predicted);
            }
        }
        Runtime rt = Runtime.getRuntime();
        line(out, report, "");
        line(out, report, String.format(Locale.ROOT, "peak resident memory %.0f MB, peak heap %.0f MB (max heap %.0f MB)",
                peakRssMb(), peakHeapMb(), rt.maxMemory() / 1e6));
        String file = a.get("--out", null);
        if (file != null) {
            try {
                Files.writeString(Path.of(file), report.toString());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot write " + file + ": " + e.getMessage());
            }
        }
        return 0;
    }

    private static void row(PrintStream out, StringBuilder report, Run r, Run base, double predicted) {
        line(out, report, String.format(Locale.ROOT, "| %d | %s | %d | %.1f | %.2fx | %s | %s | %.2f | %.1f |",
                r.batch, r.mode, r.k, r.tokensPerS, r.tokensPerS / base.tokensPerS,
                Double.isNaN(predicted) ? "-" : String.format(Locale.ROOT, "%.2fx", predicted),
                r.k == 0 ? "-" : String.format(Locale.ROOT, "%.3f", r.acceptance), r.meanLen, r.ttftMs));
    }

    private static void line(PrintStream out, StringBuilder report, String s) {
        out.println(s);
        out.flush();
        report.append(s).append('\n');
    }

    private static List<GenerationRequest> prompts(int n, int len, Path target, int maxTokens, long seed) {
        int vocab;
        try (Checkpoint ck = Checkpoint.open(target)) {
            vocab = ck.config().vocabSize();
        }
        Random r = new Random(seed);
        SamplingParams p = new SamplingParams(0, 0, 1, 0, maxTokens, List.of(), true);
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[len];
            ids[0] = 1;
            for (int j = 1; j < len; j++) {
                ids[j] = 3 + r.nextInt(vocab - 3);
            }
            out.add(GenerationRequest.ofTokens("bench-" + i, ids, p));
        }
        return out;
    }

    private static Run measure(EngineSpec spec, List<GenerationRequest> reqs, int batch, String mode, int k) {
        System.gc(); // the previous engine's KV caches must not count against this one
        try (GenerationEngine engine = Engines.open(spec)) {
            long t0 = System.nanoTime();
            List<GenerationResult> results = engine.generateAll(reqs);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long generated = 0;
            long drafted = 0;
            long accepted = 0;
            long steps = 0;
            double ttft = 0;
            for (GenerationResult r : results) {
                if (r.isError()) {
                    throw new IllegalStateException("bench row failed: " + r.error());
                }
                generated += r.generatedTokens();
                drafted += r.draftTokens();
                accepted += r.acceptedTokens();
                steps += r.specSteps();
                ttft += r.ttftMs();
            }
            return new Run(batch, mode, k, generated / seconds, drafted == 0 ? 0 : (double) accepted / drafted,
                    (double) generated / steps, ttft / results.size());
        }
    }

    /** {target 1-position ms, target 5-position ms, draft 1-position ms, target weight bytes} at a batch size. */
    private static double[] passCosts(Path target, Path draft, int self, int threads, int batch, String device) {
        try (Checkpoint tc = Checkpoint.open(target);
             Checkpoint dc = draft != null ? Checkpoint.open(draft) : null;
             Backend backend = device.equals("cpu") ? new CpuBackend(threads, 512)
                     : CudaBackend.open(device, 512, 2 * batch)) {
            LlamaWeights tw = LlamaWeights.load(tc);
            LlamaWeights dw = dc != null ? LlamaWeights.load(dc) : tw.firstLayers(self);
            ModelRunner t = backend.load(tw);
            ModelRunner d = backend.load(dw);
            return new double[] {passMs(t, 1, batch), passMs(t, 5, batch), passMs(d, 1, batch), t.weightBytesPerPass()};
        }
    }

    /** Median time of a forward pass of {@code positions} new positions per row at context ~64. */
    private static double passMs(ModelRunner runner, int positions, int batch) {
        KvCache[] caches = new KvCache[batch];
        ForwardBatch b = new ForwardBatch();
        int[] tokens = new int[64 + positions];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 3 + i;
        }
        for (int r = 0; r < batch; r++) {
            caches[r] = runner.newCache(512);
            b.add(caches[r], tokens, 0, 64, 1);
        }
        runner.forward(b);
        AcceptanceRows rows = new AcceptanceRows();
        SamplingParams greedy = SamplingParams.greedy(1);
        int[][] out = new int[batch][positions + 1];
        int reps = 30;
        double[] ms = new double[reps];
        for (int i = 0; i < reps + 5; i++) {
            b.clear();
            for (int r = 0; r < batch; r++) {
                b.add(caches[r], tokens, 64, positions, positions);
            }
            long t0 = System.nanoTime();
            if (runner instanceof DeviceAcceptance da) {
                // As the engine runs it on a GPU: greedy acceptance on the device, no logits copy.
                rows.reset(batch, runner.config().vocabSize());
                for (int r = 0; r < batch; r++) {
                    rows.add(positions - 1, tokens, null, greedy, null, out[r]);
                }
                da.forwardAndAccept(b, rows);
            } else {
                runner.forward(b);
            }
            long t1 = System.nanoTime();
            for (int r = 0; r < batch; r++) {
                caches[r].truncate(64);
            }
            if (i >= 5) {
                ms[i - 5] = (t1 - t0) / 1e6;
            }
        }
        java.util.Arrays.sort(ms);
        return ms[reps / 2];
    }

    private static double peakRssMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // Not Linux: report 0 rather than fail the benchmark.
        }
        return 0;
    }

    private static double peakHeapMb() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum / 1e6;
    }
}
