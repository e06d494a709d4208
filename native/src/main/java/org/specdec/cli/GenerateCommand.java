package org.specdec.cli;

import org.specdec.engine.EngineSettings;
import org.specdec.engine.Engines;
import org.specdec.engine.GenerationEngine;
import org.specdec.engine.GenerationRequest;
import org.specdec.engine.GenerationResult;
import org.specdec.engine.ResultJson;
import org.specdec.sampling.SamplingParams;
import org.specdec.sampling.SamplingSettings;
import org.specdec.settings.Setting;
import org.specdec.settings.SettingValues;
import org.specdec.settings.SettingsHelp;
import org.specdec.util.Args;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code generate}: a few prompts through the engine, no Spark. Its engine and sampling flags are
 * the CLI column of {@link EngineSettings#SETTINGS} and {@link SamplingSettings#SETTINGS}, so they
 * have the defaults the job and {@code spec_generate} have.
 */
public final class GenerateCommand {
    /** Engine and sampling settings, in the order usage lists them. */
    static final List<Setting<?>> SETTINGS = Stream.concat(EngineSettings.SETTINGS.stream(),
            SamplingSettings.SETTINGS.stream()).filter(s -> s.cliFlag() != null).toList();
    static final Set<String> VALUE_FLAGS = flags(false, "--prompt", "--prompt-ids");
    static final Set<String> BOOLEAN_FLAGS = flags(true, "--json");

    private GenerateCommand() {}

    /** The command line in two lines, for the overview of every command. */
    static String synopsis() {
        return """
                generate --target DIR [--draft DIR | --self-draft N] (--prompt TEXT | --prompt-ids 1,2,3)... [--json]
                         [settings: generate --help lists them]
                """;
    }

    static String usage() {
        return """
                generate --target DIR [--draft DIR | --self-draft N] (--prompt TEXT | --prompt-ids 1,2,3)... [--json]
                         [settings]
                  --prompt, --prompt-ids are repeatable; --json prints one JSON object per prompt with the output
                  columns' names. A true|false flag alone means true (--adaptive); --draft-switch=false turns the
                  draft switch off. Settings (flag, type = default):
                """ + SettingsHelp.describe(SETTINGS, Setting::cliFlag);
    }

    /**
     * The settings of a generate command line ({@code argv[0]} is the command): the flags given,
     * the tables' defaults for the rest.
     */
    public static SettingValues values(String... argv) {
        return values(new Args(argv, 1, VALUE_FLAGS, BOOLEAN_FLAGS));
    }

    /** The flags of a command line as setting values; errors name the flag. */
    static SettingValues values(Args a) {
        return SettingValues.of(s -> {
            String flag = s.cliFlag();
            if (flag == null || !a.has(flag)) {
                return null;
            }
            return s.defaultValue() instanceof List<?> ? a.all(flag) : a.get(flag, null);
        }, Setting::cliFlag);
    }

    private static Set<String> flags(boolean booleans, String... commandFlags) {
        Set<String> out = new HashSet<>(Arrays.asList(commandFlags));
        for (Setting<?> s : SETTINGS) {
            if ((s.defaultValue() instanceof Boolean) == booleans) {
                out.add(s.cliFlag());
            }
        }
        return Set.copyOf(out);
    }

    static int run(String[] argv, PrintStream out) {
        Args a = new Args(argv, 1, VALUE_FLAGS, BOOLEAN_FLAGS);
        SettingValues values = values(a);
        SamplingParams params = SamplingSettings.read(values);
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
        try (GenerationEngine engine = Engines.open(EngineSettings.read(values))) {
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
