package org.specdec.job.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.specdec.checkpoint.CheckpointException;
import org.specdec.bench.BenchResult;
import org.specdec.bench.BenchRunner;
import org.specdec.bench.BenchSummary;
import org.specdec.util.Args;
import org.specdec.pair.PairMismatchException;

/**
 * {@code specdecode bench}: target-only vs speculative decoding (fixed k and adaptive) at each
 * concurrency. Writes into {@code --out DIR}: {@code results.parquet} (one row per measurement,
 * through Spark SQL), {@code report.html} (summary table and charts), {@code results.md}.
 * Spark is only the Parquet writer here: a local session bound to 127.0.0.1 with the UI off.
 */
public final class SpecdecBench {
    private SpecdecBench() {
    }

    static String usage() {
        return "usage: specdecode bench --out DIR\n" + BenchRunner.Options.USAGE
                + "  Writes DIR/results.parquet, DIR/report.html, DIR/results.md.\n";
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
            Args a = new Args(argv, 0, BenchRunner.Options.VALUE_FLAGS, Set.of());
            BenchRunner.Options o = BenchRunner.Options.parse(a);
            Path outDir = a.requirePath("--out");
            String setup = o.describe();
            out.println("specdec bench: " + setup);
            BenchRunner runner = new BenchRunner(o, out);
            List<BenchResult> results = runner.run();
            write(results, outDir, setup + "\n\n" + String.join("\n", runner.rooflines()), out);
            return 0;
        } catch (IllegalArgumentException | CheckpointException | PairMismatchException e) {
            err.println("specdecode bench: " + e.getMessage());
            err.print(usage());
            return 2;
        }
    }

    /** Writes results.parquet, report.html and results.md into outDir and prints the summary. */
    public static void write(List<BenchResult> results, Path outDir, String setup, PrintStream out) {
        List<BenchSummary.Level> levels = BenchSummary.levels(results);
        String summary = BenchSummary.markdown(BenchSummary.summaryHeader(), BenchSummary.summaryRows(levels));
        String detail = BenchSummary.markdown(BenchSummary.detailHeader(), BenchSummary.detailRows(levels));
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
