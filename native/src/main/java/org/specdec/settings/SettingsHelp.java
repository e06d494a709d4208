package org.specdec.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The settings tables as {@code --help} prints them and as the README shows them. */
public final class SettingsHelp {

    private static final int WIDTH = 100;
    private static final String INDENT = "      ";

    private SettingsHelp() {
    }

    /**
     * One entry per setting: its name on this surface, type and default, then the doc and the
     * setting's names on the other surfaces, wrapped.
     */
    public static String describe(List<Setting<?>> settings, Function<Setting<?>, String> nameOf) {
        StringBuilder b = new StringBuilder();
        for (Setting<?> s : settings) {
            String name = nameOf.apply(s);
            if (name == null) {
                continue;
            }
            b.append("  ").append(name).append(' ').append(s.type()).append(" = ").append(s.shownDefault())
                    .append('\n');
            String elsewhere = otherNames(s, name);
            for (String line : wrap(s.doc() + (elsewhere.isEmpty() ? "" : " [" + elsewhere + "]"),
                    WIDTH - INDENT.length())) {
                b.append(INDENT).append(line).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * A markdown table: job key, CLI flag, {@code spark.specdec.*} key, type, default, meaning. The
     * README holds this table as generated, and a test compares the two.
     */
    public static String markdownTable(List<Setting<?>> settings) {
        StringBuilder b = new StringBuilder();
        b.append("| job key (`--set`) | `generate` flag | `spec_generate` conf | type | default | meaning |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (Setting<?> s : settings) {
            b.append("| `").append(s.key()).append("` | ").append(code(s.cliFlag())).append(" | ")
                    .append(code(s.sqlKey())).append(" | ").append(s.type().replace("|", "\\|")).append(" | ")
                    .append(s.shownDefault()).append(" | ").append(cell(s.doc())).append(" |\n");
        }
        return b.toString();
    }

    /** Text in a table cell: '|' would end the cell and '<...>' would read as an HTML tag. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String code(String name) {
        return name == null ? "" : "`" + name + "`";
    }

    private static String otherNames(Setting<?> s, String shown) {
        List<String> names = new ArrayList<>();
        for (String n : new String[] {s.key(), s.cliFlag(), s.sqlKey()}) {
            if (n != null && !n.equals(shown)) {
                names.add(n);
            }
        }
        return String.join(", ", names);
    }

    public static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
