package org.specdec.cli;

import org.specdec.checkpoint.CheckpointException;
import org.specdec.pair.PairMismatchException;

import java.io.PrintStream;

/**
 * Entry point of the runtime's commands that need no Spark: {@code generate}, {@code make-model},
 * {@code check-pair}, {@code profile}, {@code device-info}, {@code gemm}, and a Spark-free {@code bench}. The
 * launcher job/bin/specdecode dispatches
 * here; its own {@code bench} (org.specdec.job.bench.SpecdecBench) adds Parquet and the HTML report.
 */
public final class SpecdecCli {
    private SpecdecCli() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (tests call this directly). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            err.print(usage());
            return args.length == 0 ? 2 : 0;
        }
        if (args.length > 1 && (args[1].equals("--help") || args[1].equals("-h"))) {
            String usage = usage(args[0]);
            if (usage != null) {
                out.print("usage: specdec " + usage);
                return 0;
            }
        }
        try {
            switch (args[0]) {
                case "generate":
                    return GenerateCommand.run(args, out);
                case "bench":
                    return BenchCommand.run(args, out);
                case "check-pair":
                    return CheckPairCommand.run(args, out);
                case "make-model":
                    return MakeModelCommand.run(args, out);
                case "profile":
                    return ProfileCommand.run(args, out);
                case "device-info":
                    return DeviceInfoCommand.run(args, out);
                case "gemm":
                    return GemmCommand.run(args, out);
                default:
                    err.println("unknown command '" + args[0] + "'");
                    err.print(usage());
                    return 2;
            }
        } catch (IllegalArgumentException | CheckpointException | PairMismatchException e) {
            err.println("specdec " + args[0] + ": " + e.getMessage());
            return 2;
        }
    }

    /** One command's usage, or null for an unknown command. */
    static String usage(String command) {
        return switch (command) {
            case "generate" -> GenerateCommand.usage();
            case "bench" -> BenchCommand.usage();
            case "check-pair" -> CheckPairCommand.usage();
            case "make-model" -> MakeModelCommand.usage();
            case "profile" -> ProfileCommand.usage();
            case "device-info" -> DeviceInfoCommand.usage();
            case "gemm" -> GemmCommand.usage();
            default -> null;
        };
    }

    static String usage() {
        return "usage: specdec <command> [options]   (specdec <command> --help: its options)\n\n"
                + GenerateCommand.synopsis() + "\n" + BenchCommand.usage() + "\n"
                + MakeModelCommand.usage() + "\n" + CheckPairCommand.usage() + "\n" + ProfileCommand.usage() + "\n"
                + DeviceInfoCommand.usage() + "\n" + GemmCommand.usage();
    }
}
