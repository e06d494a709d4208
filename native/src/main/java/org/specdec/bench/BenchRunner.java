package org.specdec.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.specdec.backend.Backend;
import org.specdec.backend.Backends;
import org.specdec.backend.ModelRunner;
import org.specdec.backend.cpu.CpuBackend;
import org.specdec.backend.cpu.CpuWeights;
import org.specdec.backend.cpu.CpuBandwidth;
import org.specdec.backend.cuda.CudaBackend;
import org.specdec.checkpoint.Checkpoint;
import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.kv.KvCache;
import org.specdec.model.LlamaWeights;
import org.specdec.sampling.SamplingParams;
import org.specdec.stats.EngineCounters;
import org.specdec.stats.SpeedupModel;
import org.specdec.util.Args;

/**
 * Runs one prompt set through target-only, fixed-k and adaptive speculative decoding at each
 * concurrency, and measures the forward-pass costs the speedup model ({@link SpeedupModel})
 * needs. No Spark here: the engine runs in this JVM exactly as it does inside an executor.
 *
 * <p>Order per concurrency: pass costs, a warm-up of every mode (JIT), then the repeats, each
 * running every mode once (interleaved, so slow drift of the machine hits all modes alike, and in
 * an order rotated by one every repeat, so no mode always runs first or after the same one). Each
 * mode keeps one engine for the warm-up and all its repeats, as an executor keeps its engine for
 * a whole job: the draft switch has learned its costs by the time anything is timed, and the
 * counters of a measurement are the difference of two snapshots.
 */
public final class BenchRunner {

    /**
     * @param target        target model directory
     * @param draft         independent draft directory, or null
     * @param selfDraft     self-draft layers when draft is null
     * @param concurrency   concurrency levels
     * @param fixedK        fixed draft lengths to measure
     * @param adaptiveK     initial k of the adaptive mode (0 = no adaptive mode)
     * @param maxK          upper bound of adaptive k
     * @param maxTokens     tokens per row (EOS ignored, so every row generates exactly this many)
     * @param promptLen     prompt tokens per row
     * @param rounds        rows per concurrency level = max(minRows, concurrency x rounds)
     * @param minRows       see rounds
     * @param repeats       measurements of every mode at every level
     * @param threads       CPU threads (0 = all cores)
     * @param seed          prompt seed
     * @param device        "cpu" or "cuda:N"
     * @param bandwidthGbs  memory bandwidth for the roofline line (0: measured in the run, on the same threads)
     * @param control       also measure a second target-only engine (A/A noise)
     * @param tensorParallel shards the target is split into (1: whole)
     * @param prompts       JSON-lines prompts (the job's input format), or null for random ids of promptLen
     * @param cpuWeights    model.cpu_weights: stored, or q8_0 (the CPU backend's matrices quantised at load)
     */
    public record Options(Path target, Path draft, int selfDraft, int[] concurrency, int[] fixedK, int adaptiveK,
                          int maxK, int maxTokens, int promptLen, int rounds, int minRows, int repeats, int threads,
                          long seed, String device, double bandwidthGbs, boolean control, int tensorParallel,
                          Path prompts, String cpuWeights) {

        /** The flags both bench front ends take (the launcher's, with Parquet and HTML, and the runtime CLI's). */
        public static final Set<String> VALUE_FLAGS = Set.of("--target", "--draft", "--self-draft", "--concurrency",
                "--k", "--adaptive-k", "--max-k", "--max-tokens", "--prompt-len", "--rounds", "--min-rows", "--repeats",
                "--threads", "--seed", "--device", "--bandwidth-gbs", "--control", "--tensor-parallel", "--prompts", "--out",
                "--cpu-weights");

        public static final String USAGE = """
                  --target DIR (--draft DIR | --self-draft N) [--concurrency 1,2,4,8,16,32] [--k 2,4]
                  [--adaptive-k 4] [--max-k 8] [--max-tokens 64] [--prompt-len 16] [--rounds 2] [--min-rows 4]
                  [--repeats 1] [--threads 0] [--seed 1] [--device cpu|cuda:N] [--bandwidth-gbs GB/s]
                  [--control true|false] [--tensor-parallel 1] [--prompts FILE.jsonl] [--cpu-weights auto|stored|tiled|q8_0]
                  Rows per concurrency level c: max(min-rows, c x rounds). --k: fixed draft lengths (none: "");
                  --adaptive-k 0 skips the adaptive mode. --control (default true): a second target-only
                  engine measured alongside (A/A), whose gap to the first counts as noise in the verdict.
                  --tensor-parallel N: the target split over N shards (CPU), in every mode and the pass costs.
                  --prompts: real prompts, one JSON object per line as the job reads them ("prompt" text,
                  encoded with the target's tokenizer, or "prompt_token_ids"), used in file order and
                  repeated to fill the rows; without it, random token ids of --prompt-len.
                  --cpu-weights: model.cpu_weights of every engine (auto: tiled at load up to 2 GiB of
                  matrices, else stored; q8_0: quantised to 8 bits at load).
                """;

        public static Options parse(Args a) {
            Path target = a.requirePath("--target");
            Path draft = a.path("--draft");
            int self = a.getInt("--self-draft", 0);
            if (draft == null && self == 0) {
                throw new IllegalArgumentException("bench needs --draft DIR or --self-draft N");
            }
            String ks = a.get("--k", "2,4");
            return new Options(target, draft, self, Args.intList(a.get("--concurrency", "1,2,4,8,16,32")),
                    ks.isBlank() ? new int[0] : Args.intList(ks), a.getInt("--adaptive-k", 4), a.getInt("--max-k", 8),
                    a.getInt("--max-tokens", 64), a.getInt("--prompt-len", 16), a.getInt("--rounds", 2),
                    a.getInt("--min-rows", 4), Math.max(1, a.getInt("--repeats", 1)), a.getInt("--threads", 0),
                    a.getLong("--seed", 1), a.get("--device", "cpu"), a.getDouble("--bandwidth-gbs", 0),
                    Boolean.parseBoolean(a.get("--control", "true")), Math.max(1, a.getInt("--tensor-parallel", 1)),
                    a.path("--prompts"),
                    EngineSettings.parseCpuWeights(a.get("--cpu-weights", EngineSettings.AUTO_WEIGHTS)));
        }

        /** One line describing the setup, for reports. */
        public String describe() {
            return String.format(Locale.ROOT,
                    "target %s, draft %s, %d tokens per row (EOS ignored), %s, greedy, "
                            + "%d repeat(s), device %s, %d CPU threads, tensor parallel %d, CPU weights %s, Java %s",
                    target.getFileName(), draft != null ? draft.getFileName() : "self-draft " + selfDraft + " layers",
                    maxTokens, prompts != null ? "prompts from " + prompts.getFileName()
                            : "random prompts of " + promptLen + " tokens", repeats, device,
                    threads == 0 ? Runtime.getRuntime().availableProcessors() : threads, tensorParallel, cpuWeights,
                    System.getProperty("java.version"));
        }
    }

    /** Positions per row of the measured verification pass (k = 4). */
    static final int VERIFY_POSITIONS = 5;

    private final Options o;
    private final PrintStream log;
    private List<int[]> filePrompts;
    private final List<String> rooflines = new ArrayList<>();

    public BenchRunner(Options options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    public List<BenchResult> run() {
        List<BenchResult> all = new ArrayList<>();
        for (int c : o.concurrency) {
            double[] cost = passCosts(c);
            double costC = cost[2] / cost[0];
            double verify = cost[1] / cost[0];
            double weightGbs = cost[3] / cost[0] / 1e6;
            String roofline = String.format(Locale.ROOT, "concurrency %d: target weights %.1f MB per pass = %.1f GB/s"
                    + " = %.0f%% of %.1f GB/s (%s)", c, cost[3] / 1e6, weightGbs, 100 * weightGbs / cost[4], cost[4],
                    o.bandwidthGbs > 0 ? "given with --bandwidth-gbs" : bandwidthSource());
            rooflines.add(roofline);
            log.printf(Locale.ROOT, "concurrency %d: target pass %.2f ms (1 position/row), %.2f ms (5 positions/row);"
                    + " draft pass %.2f ms -> c = %.3f%n  roofline: %s%n", c, cost[0], cost[1], cost[2], costC,
                    roofline);
            List<GenerationRequest> reqs = prompts(Math.max(o.minRows, c * o.rounds));
            List<GenerationRequest> warm = reqs.subList(0, Math.min(reqs.size(), c));
            List<EngineSettings> specs = specs(c);
            List<GenerationEngine> engines = new ArrayList<>();
            List<BenchResult> level = new ArrayList<>();
            try {
                for (EngineSettings spec : specs) {
                    System.gc(); // the previous level's KV caches must not count against this one
                    GenerationEngine engine = Engines.open(spec);
                    engines.add(engine);
                    measure(engine, warm);
                    measure(engine, reqs);
                }
                for (int r = 0; r < o.repeats; r++) {
                    // Rotate the mode order every repeat: a mode that always ran right after
                    // another (or always last) would carry an order effect into its speedup.
                    BenchResult[] round = new BenchResult[specs.size()];
                    for (int j = 0; j < specs.size(); j++) {
                        int i = (j + r) % specs.size();
                        round[i] = result(specs.get(i), o.control && i == 1, engines.get(i), c, r, reqs, costC,
                                verify);
                    }
                    level.addAll(List.of(round));
                }
            } finally {
                engines.forEach(GenerationEngine::close);
            }
            for (int r = 0; r < o.repeats; r++) {
                List<BenchResult> round = level.subList(r * specs.size(), (r + 1) * specs.size());
                double base = round.get(0).tokensPerS();
                for (BenchResult b : round) {
                    BenchResult withSpeedup = b.withSpeedup(b.tokensPerS() / base);
                    all.add(withSpeedup);
                    log.printf(Locale.ROOT, "  %-11s rep %d: %8.1f tokens/s (%.2fx, predicted %s), gen p50 %.0f ms,"
                                    + " ttft %.0f ms, acceptance %s, skipped %d of %d passes%n",
                            b.label(), r, b.tokensPerS(), withSpeedup.speedup(),
                            Double.isNaN(b.predictedSpeedup()) ? "-" : String.format(Locale.ROOT, "%.2fx",
                                    b.predictedSpeedup()),
                            b.genTimeP50Ms(), b.ttftMeanMs(),
                            Double.isNaN(b.acceptanceRate()) ? "-" : String.format(Locale.ROOT, "%.3f",
                                    b.acceptanceRate()), b.skippedSteps(), b.steps());
                }
            }
        }
        return all;
    }

    /** Target-only first (the baseline of the speedups), the control, then fixed k, then adaptive. */
    private List<EngineSettings> specs(int c) {
        List<EngineSettings> specs = new ArrayList<>();
        // KV caches sized to the run: a bench row never outgrows prompt + generation + a draft block.
        EngineSettings base = EngineSettings.builder().target(o.target).maxBatch(c).device(o.device)
                .threads(o.threads).tensorParallel(o.tensorParallel).cpuWeights(o.cpuWeights)
                .maxContext(longestPrompt() + o.maxTokens + 1).build();
        specs.add(base.toBuilder().k(0).maxK(0).draftSwitch(false).build());
        if (o.control) {
            specs.add(specs.get(0));
        }
        EngineSettings.Builder drafted = base.toBuilder().draft(o.draft).selfDraftLayers(o.selfDraft);
        for (int k : o.fixedK) {
            specs.add(drafted.k(k).adaptiveK(false).maxK(k).draftSwitch(false).build());
        }
        if (o.adaptiveK > 0) {
            specs.add(drafted.k(o.adaptiveK).adaptiveK(true).maxK(Math.max(o.adaptiveK, o.maxK)).draftSwitch(true)
                    .build());
        }
        return specs;
    }

    private BenchResult result(EngineSettings spec, boolean control, GenerationEngine engine, int c, int repeat,
                               List<GenerationRequest> reqs, double costC, double verifyRatio) {
        Measured m = measure(engine, reqs);
        String mode = control ? BenchResult.CONTROL : spec.k() == 0 ? BenchResult.TARGET_ONLY
                : spec.draftSwitch() || spec.adaptiveK() ? BenchResult.ADAPTIVE : BenchResult.FIXED;
        long generated = 0;
        long drafted = 0;
        long accepted = 0;
        long passes = 0;
        double[] gen = new double[m.results.size()];
        double[] ttft = new double[m.results.size()];
        for (int i = 0; i < gen.length; i++) {
            GenerationResult r = m.results.get(i);
            if (r.isError()) {
                throw new IllegalStateException("bench row " + r.id() + " failed: " + r.error());
            }
            generated += r.generatedTokens();
            drafted += r.draftTokens();
            accepted += r.acceptedTokens();
            passes += r.specSteps();
            gen[i] = r.latencyMs();
            ttft[i] = r.ttftMs();
        }
        EngineCounters n = m.counters;
        if (m.launches > 0 && n.steps() > 0) {
            log.printf(Locale.ROOT, "  %-11s rep %d: %.1f GPU launches per engine step (%d launches, %d steps)%n",
                    mode.equals(BenchResult.FIXED) ? "k=" + spec.k() : mode, repeat, (double) m.launches / n.steps(),
                    m.launches, n.steps());
        }
        double alpha = n.alpha();
        double meanK = n.meanDraftLength();
        double predicted = SpeedupModel.speedup(alpha, meanK, costC,
                SpeedupModel.verificationCost(verifyRatio, VERIFY_POSITIONS, meanK));
        return new BenchResult(c, mode, spec.k(), spec.maxK(), repeat, gen.length, generated, m.seconds,
                generated / m.seconds, mean(gen), percentile(gen, 0.5), percentile(gen, 0.95), mean(ttft),
                percentile(ttft, 0.95), drafted == 0 ? Double.NaN : accepted / (double) drafted, alpha,
                passes == 0 ? Double.NaN : generated / (double) passes, meanK, n.steps(), n.draftingSteps(),
                n.skippedSteps(), costC, verifyRatio, Double.NaN, predicted);
    }

    /** launches: host kernel and graph launches on a GPU (0 on the CPU backend). */
    private record Measured(List<GenerationResult> results, double seconds, EngineCounters counters, long launches) {
    }

    private static Measured measure(GenerationEngine engine, List<GenerationRequest> reqs) {
        EngineCounters before = engine.counters();
        long launches = CudaBackend.launchesInThisJvm();
        long t0 = System.nanoTime();
        List<GenerationResult> results = engine.generateAll(reqs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Measured(results, seconds, engine.counters().since(before),
                CudaBackend.launchesInThisJvm() - launches);
    }

    private List<GenerationRequest> prompts(int n) {
        List<int[]> ids = o.prompts != null ? filePrompts() : BenchPrompts.random(o.target, n, o.promptLen, o.seed);
        SamplingParams p = new SamplingParams(0, 0, 1, 0, o.maxTokens, List.of(), true);
        List<GenerationRequest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(GenerationRequest.ofTokens("bench-" + i, ids.get(i % ids.size()), p));
        }
        return out;
    }

    /** The --prompts file's prompts, read once. */
    private List<int[]> filePrompts() {
        if (filePrompts == null) {
            filePrompts = BenchPrompts.read(o.prompts, o.target);
        }
        return filePrompts;
    }

    private int longestPrompt() {
        return o.prompts == null ? o.promptLen : filePrompts().stream().mapToInt(p -> p.length).max().orElse(1);
    }

    /** {target 1-position ms, target 5-position ms, draft 1-position ms, target weight bytes} at a batch size. */
    private double[] passCosts(int batch) {
        try (Checkpoint tc = Checkpoint.open(o.target);
             Checkpoint dc = o.draft != null ? Checkpoint.open(o.draft) : null;
             Backend backend = Backends.open(o.device, o.threads, 512, 2 * batch, o.tensorParallel,
                     CpuWeights.parse(o.cpuWeights))) {
            LlamaWeights tw = LlamaWeights.load(tc);
            LlamaWeights dw = dc != null ? LlamaWeights.load(dc) : tw.firstLayers(o.selfDraft);
            ModelRunner t = backend.loadTarget(tw);
            ModelRunner d = backend.load(dw);
            double[] cost = {passMs(t, 1, batch), passMs(t, VERIFY_POSITIONS, batch), passMs(d, 1, batch), t.weightBytesPerPass(),
                    o.bandwidthGbs};
            if (cost[4] <= 0) {
                cost[4] = backend instanceof CpuBackend cpu ? CpuBandwidth.readGbs(cpu, 1L << 30, 5)
                        : ((CudaBackend) backend).copyBandwidthGbs(1L << 31, 10);
            }
            return cost;
        }
    }

    private String bandwidthSource() {
        return o.device.startsWith("cuda") ? "measured: device-to-device copy, bytes read + written, 2 GiB, best of 10"
                : "measured right after the passes: the backend's worker threads reading a 1 GiB heap array, best of 5";
    }

    /**
     * For each concurrency level, the target's weight stream in a 1-position pass against the memory
     * roofline measured in the same run (or given), and where that roofline came from.
     */
    public List<String> rooflines() {
        return List.copyOf(rooflines);
    }

    /**
     * Median time of a forward pass of {@code positions} new positions per row at context 64, after
     * the JIT has compiled that shape's kernels.
     */
    private static double passMs(ModelRunner runner, int positions, int batch) {
        KvCache[] pool = new KvCache[batch];
        for (int r = 0; r < batch; r++) {
            pool[r] = runner.newCache(512);
        }
        PassProfile.warmUp(runner, pool, 64, new int[] {batch}, new int[] {positions}, 1_000_000_000L);
        return PassProfile.passMs(runner, PassProfile.prefill(runner, pool, batch, 64), 64, positions);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    /** Nearest-rank percentile. */
    public static double percentile(double[] v, double q) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(q * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }
}
