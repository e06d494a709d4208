package org.specdec.cli;

import org.specdec.engine.EngineSpec;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.engine.ResultJson;
import org.specdec.sampling.SamplingParams;
import org.specdec.util.Args;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code generate}: a few prompts through the engine, no Spark. */
final class GenerateCommand {
    static final Set<String> VALUE_FLAGS = Set.of("--target", "--draft", "--self-draft", "--prompt", "--prompt-ids",
            "--max-tokens", "--temperature", "--top-p", "--top-k", "--seed", "--k", "--max-k", "--stop", "--batch",
            "--threads", "--device", "--max-context");
    static final Set<String> BOOLEAN_FLAGS = Set.of("--json", "--adaptive", "--ignore-eos", "--draft-switch");

    private GenerateCommand() {}

    static String usage() {
        return """
                generate --target DIR [--draft DIR | --self-draft N] [--k 4] [--adaptive --max-k 8]
                         (--prompt TEXT | --prompt-ids 1,2,3)...  [--max-tokens 64] [--temperature 0]
                         [--top-p 1] [--top-k 0] [--seed 0] [--stop STR]... [--ignore-eos]
                         [--batch 8] [--threads 0] [--device cpu] [--max-context N] [--json] [--draft-switch]
                """;
    }

    /** Builds the engine spec shared by generate and bench. */
    static EngineSpec engineSpec(Args a) {
        int k = a.getInt("--k", a.has("--draft") || a.has("--self-draft") ? 4 : 0);
        return new EngineSpec(a.requirePath("--target"), a.path("--draft"), a.getInt("--self-draft", 0), k,
                a.flag("--adaptive"), a.getInt("--max-k", Math.max(k, 8)), a.getInt("--batch", 8),
                a.get("--device", "cpu"), a.getInt("--threads", 0), a.getInt("--max-context", 0),
                a.flag("--draft-switch"));
    }

    static int run(String[] argv, PrintStream out) {
        Args a = new Args(argv, 1, VALUE_FLAGS, BOOLEAN_FLAGS);
        SamplingParams params = new SamplingParams(a.getDouble("--temperature", 0), a.getInt("--top-k", 0),
                a.getDouble("--top-p", 1), a.getLong("--seed", 0), a.getInt("--max-tokens", 64), a.all("--stop"),
                a.flag("--ignore-eos"));
        List<GenerationRequest> requests = new ArrayList<>();
        for (String p : a.all("--prompt")) {
            requests.add(GenerationRequest.ofText("prompt-" + requests.size(), p, params));
        }
        for (String ids : a.all("--prompt-ids")) {
            requests.add(GenerationRequest.ofTokens("prompt-" + requests.size(), Args.intList(ids), params));
        }
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("give at least one --prompt or --prompt-ids");
        }
        boolean json = a.flag("--json");
        try (GenerationEngine engine = Engines.open(engineSpec(a))) {
            List<GenerationResult> results = engine.generateAll(requests);
            for (GenerationResult r : results) {
                out.println(json ? ResultJson.toJson(r) : describe(r));
            }
            return results.stream().anyMatch(GenerationResult::isError) ? 1 : 0;
        }
    }

    private static String describe(GenerationResult r) {
        if (r.isError()) {
            return "[" + r.id() + "] error: " + r.error();
        }
        String stats = String.format(Locale.ROOT,
                "[%s] finish=%s prompt=%d generated=%d steps=%d acceptance=%s mean_len=%.2f ttft=%.1fms %.1f tok/s",
                r.id(), r.finishReason(), r.promptTokens(), r.generatedTokens(), r.specSteps(),
                r.acceptanceRate() == null ? "-" : String.format(Locale.ROOT, "%.3f", r.acceptanceRate()),
                r.meanAcceptanceLength() == null ? 0.0 : r.meanAcceptanceLength(), r.ttftMs(), r.tokensPerS());
        String body = r.generatedText() != null ? r.generatedText() : Arrays.toString(r.generatedTokenIds());
        return stats + "\n" + body;
    }
}
