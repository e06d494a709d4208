package org.specdec.cli;

import org.specdec.bench.BenchResult;
import org.specdec.bench.BenchRunner;
import org.specdec.bench.BenchSummary;
import org.specdec.util.Args;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code SpecdecCli bench}: the bench without Spark, for machines that carry only the runtime
 * (the GPU check script). Prints the summary and detail tables and, with {@code --out FILE},
 * writes them as markdown. The launcher's {@code specdecode bench} runs the same measurements and
 * also writes the Parquet table and the HTML report.
 */
final class BenchCommand {
    private BenchCommand() {}

    static String usage() {
        return "bench [--out results.md]\n" + BenchRunner.Options.USAGE;
    }

    static int run(String[] argv, PrintStream out) {
        Args a = new Args(argv, 1, BenchRunner.Options.VALUE_FLAGS, Set.of());
        BenchRunner.Options o = BenchRunner.Options.parse(a);
        out.println("specdec bench: " + o.describe());
        BenchRunner runner = new BenchRunner(o, out);
        List<BenchResult> results = runner.run();
        List<BenchSummary.Level> levels = BenchSummary.levels(results);
        String tables = BenchSummary.markdown(BenchSummary.summaryHeader(), BenchSummary.summaryRows(levels)) + "\n"
                + BenchSummary.markdown(BenchSummary.detailHeader(), BenchSummary.detailRows(levels)) + "\n"
                + String.join("\n", runner.rooflines()) + "\n";
        out.println();
        out.print(tables);
        String file = a.get("--out", null);
        if (file != null) {
            try {
                Files.writeString(Path.of(file), "specdec bench: " + o.describe() + "\n\n" + tables);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot write " + file + ": " + e.getMessage());
            }
        }
        return 0;
    }
}
