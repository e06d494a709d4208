package org.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.specdec.engine.EngineSettings;
import org.specdec.sampling.SamplingSettings;
import org.specdec.settings.Setting;

/** {@code COMMAND --help} prints that command's usage and exits 0; generate's lists every setting it takes. */
class CommandHelpTest {
    private final CliCapture cli = new CliCapture();

    @Test
    void generateHelpListsEveryEngineAndSamplingFlagWithItsDefault() {
        assertEquals(0, cli.run("generate", "--help"), cli.err.toString());
        String help = cli.out.toString(StandardCharsets.UTF_8);
        assertFalse(help.contains("unknown option"), help);
        assertEquals("", cli.err.toString());
        for (var table : java.util.List.of(EngineSettings.SETTINGS, SamplingSettings.SETTINGS)) {
            for (Setting<?> s : table) {
                assertTrue(help.contains("  " + s.cliFlag() + " " + s.type() + " = " + s.shownDefault() + "\n"),
                        s.cliFlag() + " in\n" + help);
            }
        }
        assertTrue(help.contains("caps model.k"), "the draft switch's effect on k is stated");
    }

    @Test
    void everyCommandAnswersHelp() {
        for (String command : new String[] {"generate", "make-model", "check-pair", "bench", "profile",
                "device-info", "gemm"}) {
            cli.out.reset();
            assertEquals(0, cli.run(command, "--help"), command + ": " + cli.err);
            String help = cli.out.toString(StandardCharsets.UTF_8);
            assertTrue(help.startsWith("usage: specdec " + command), help);
            assertTrue(help.endsWith("\n"), command + " usage ends with a newline");
        }
    }

    @Test
    void booleanFlagsTakeAnExplicitValue() {
        EngineSettings on = EngineSettings.read(GenerateCommand.values("generate", "--target", "/m"));
        EngineSettings off = EngineSettings.read(GenerateCommand.values("generate", "--target", "/m",
                "--draft-switch=false", "--adaptive"));
        assertTrue(on.draftSwitch());
        assertFalse(off.draftSwitch());
        assertTrue(off.adaptiveK());
    }

    @Test
    void aBadFlagValueNamesTheFlag() {
        assertEquals(2, cli.run("generate", "--target", "/m", "--prompt", "x", "--batch", "0"));
        assertTrue(cli.err.toString().contains("--batch"), cli.err.toString());
        cli.err.reset();
        assertEquals(2, cli.run("generate", "--target", "/m", "--prompt", "x", "--device", "gpu"));
        assertTrue(cli.err.toString().contains("--device"), cli.err.toString());
    }
}
