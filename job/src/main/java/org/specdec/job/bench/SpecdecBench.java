package org.specdec.job.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.specdec.checkpoint.CheckpointException;
import org.specdec.cli.Args;
import org.specdec.pair.PairMismatchException;

/**
 * {@code specdecode bench}: target-only vs speculative decoding (fixed k and adaptive) at each
 * concurrency. Writes into {@code --out DIR}: {@code results.parquet} (one row per measurement,
 * through Spark SQL), {@code report.html} (summary table and charts), {@code results.md}.
 * Spark is only the Parquet writer here: a local session bound to 127.0.0.1 with the UI off.
 */
public final class SpecdecBench {
    static final Set<String> VALUE_FLAGS = Set.of("--target", "--draft", "--self-draft", "--concurrency", "--k",
            "--adaptive-k", "--max-k", "--max-tokens", "--prompt-len", "--rounds", "--min-rows", "--repeats",
            "--threads", "--seed", "--out");
    static final Set<String> BOOLEAN_FLAGS = Set.of();

    private SpecdecBench() {
    }

    static String usage() {
        return """
                usage: specdecode bench --target DIR (--draft DIR | --self-draft N) --out DIR
                         [--concurrency 1,2,4,8,16,32] [--k 2,4] [--adaptive-k 4] [--max-k 8]
                         [--max-tokens 64] [--prompt-len 16] [--rounds 2] [--min-rows 4] [--repeats 1]
                         [--threads 0] [--seed 1]
                  Rows per concurrency level c: max(min-rows, c x rounds). --k: fixed draft lengths (none: "");
                  --adaptive-k 0 skips the adaptive mode. Writes DIR/results.parquet, DIR/report.html, DIR/results.md.
                """;
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length > 0 && (argv[0].equals("--help") || argv[0].equals("-h"))) {
            out.print(usage());
            return 0;
        }
        try {
            Args a = new Args(argv, 0, VALUE_FLAGS, BOOLEAN_FLAGS);
            Path target = a.requirePath("--target");
            Path draft = a.path("--draft");
            int self = a.getInt("--self-draft", 0);
            if (draft == null && self == 0) {
                throw new IllegalArgumentException("bench needs --draft DIR or --self-draft N");
            }
            Path outDir = a.requirePath("--out");
            String ks = a.get("--k", "2,4");
            BenchRunner.Options o = new BenchRunner.Options(target, draft, self,
                    Args.intList(a.get("--concurrency", "1,2,4,8,16,32")),
                    ks.isBlank() ? new int[0] : Args.intList(ks), a.getInt("--adaptive-k", 4), a.getInt("--max-k", 8),
                    a.getInt("--max-tokens", 64), a.getInt("--prompt-len", 16), a.getInt("--rounds", 2),
                    a.getInt("--min-rows", 4), Math.max(1, a.getInt("--repeats", 1)), a.getInt("--threads", 0),
                    a.getLong("--seed", 1));
            String setup = String.format(Locale.ROOT,
                    "target %s, draft %s, %d tokens per row (EOS ignored), prompts of %d tokens, greedy, "
                            + "%d repeat(s), %d CPU threads, Java %s",
                    target.getFileName(), draft != null ? draft.getFileName() : "self-draft " + self + " layers",
                    o.maxTokens(), o.promptLen(), o.repeats(),
                    o.threads() == 0 ? Runtime.getRuntime().availableProcessors() : o.threads(),
                    System.getProperty("java.version"));
            out.println("specdec bench: " + setup);
            List<BenchResult> results = new BenchRunner(o, out).run();
            write(results, outDir, setup, out);
            return 0;
        } catch (IllegalArgumentException | CheckpointException | PairMismatchException e) {
            err.println("specdecode bench: " + e.getMessage());
            err.print(usage());
            return 2;
        }
    }

    /** Writes results.parquet, report.html and results.md into outDir and prints the summary. */
    public static void write(List<BenchResult> results, Path outDir, String setup, PrintStream out) {
        List<BenchTable.Level> levels = BenchTable.levels(results);
        String summary = BenchTable.markdown(BenchTable.summaryHeader(), BenchTable.summaryRows(levels));
        String detail = BenchTable.markdown(BenchTable.detailHeader(), BenchTable.detailRows(levels));
        out.println();
        out.print(summary);
        try {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("results.md"), setup + "\n\n" + summary + "\n" + detail);
            Files.writeString(outDir.resolve("report.html"), BenchReport.html("specdec bench", setup, results));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write into --out " + outDir + ": " + e.getMessage());
        }
        // A session that already runs in this JVM (tests, notebooks) is used and left running.
        scala.Option<SparkSession> existing = SparkSession.getActiveSession().isDefined()
                ? SparkSession.getActiveSession() : SparkSession.getDefaultSession();
        SparkSession spark = existing.isDefined() ? existing.get() : localSession();
        try {
            BenchTable.writeParquet(spark, results, outDir.resolve("results.parquet").toAbsolutePath().toString());
        } finally {
            if (existing.isEmpty()) {
                spark.stop();
            }
        }
        out.println();
        out.println("  results.parquet  " + outDir.resolve("results.parquet"));
        out.println("  report.html      " + outDir.resolve("report.html"));
        out.println("  results.md       " + outDir.resolve("results.md"));
    }

    /** A local session bound to loopback with the UI off: bench writes files, it serves nothing. */
    static SparkSession localSession() {
        return SparkSession.builder().master("local[1]").appName("specdec-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "1")
                .getOrCreate();
    }
}
