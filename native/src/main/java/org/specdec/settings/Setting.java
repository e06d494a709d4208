package org.specdec.settings;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One setting, defined once with its type, default and documentation, and the name it has on each
 * surface that reads it: the job's YAML key ({@code model.k}, also what {@code --set} takes), the
 * Spark conf key of {@code spec_generate} ({@code spark.specdec.k}) and the runtime CLI's flag
 * ({@code --k}). A surface that does not offer the setting has null there.
 *
 * @param key          dotted job key, as in the YAML nesting; the setting's name in help and errors
 * @param type         what a value looks like, for help and the README ({@code int}, {@code true|false}, ...)
 * @param defaultValue value when unset; null means none (or required when {@code required})
 * @param doc          what it does
 * @param parse        from a YAML value or the text of a flag or conf value to the typed value
 * @param required     unset is an error
 * @param kind         whether the value is a path, and of which file system
 * @param cliFlag      the runtime CLI's flag ({@code specdecode generate}), or null
 * @param sqlKey       the Spark conf key read by {@code spec_generate}, or null
 */
public record Setting<T>(String key, String type, T defaultValue, String doc, Function<Object, T> parse,
                         boolean required, Kind kind, String cliFlag, String sqlKey) {

    /** Whether a value names a file, and so is resolved against the folder of the config file it came from. */
    public enum Kind {
        /** Not a path. */
        VALUE,
        /** A local directory (model directories, read with java.nio on every executor). */
        LOCAL_PATH,
        /** Any Hadoop file system path; only a relative one without a scheme is resolved. */
        HADOOP_PATH
    }

    public static Setting<String> string(String key, String def, String doc) {
        return new Setting<>(key, "text", def, doc, v -> v == null ? null : v.toString(), false, Kind.VALUE, null,
                null);
    }

    public static Setting<String> localPath(String key, String doc) {
        return new Setting<>(key, "dir", null, doc, v -> v == null ? null : v.toString(), false, Kind.LOCAL_PATH, null,
                null);
    }

    public static Setting<String> hadoopPath(String key, String doc) {
        return new Setting<>(key, "path", null, doc, v -> v == null ? null : v.toString(), false, Kind.HADOOP_PATH,
                null, null);
    }

    public static Setting<Integer> integer(String key, int def, int min, String doc) {
        return new Setting<>(key, "int", def, doc, v -> {
            int i;
            if (v instanceof Number n && n.doubleValue() == n.intValue()) {
                i = n.intValue();
            } else {
                try {
                    i = Integer.parseInt(v.toString().trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected an integer, got '" + v + "'");
                }
            }
            if (i < min) {
                throw new IllegalArgumentException("expected an integer >= " + min + ", got " + i);
            }
            return i;
        }, false, Kind.VALUE, null, null);
    }

    public static Setting<Long> longValue(String key, long def, String doc) {
        return new Setting<>(key, "int", def, doc, v -> {
            if (v instanceof Number n) {
                return n.longValue();
            }
            try {
                return Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer, got '" + v + "'");
            }
        }, false, Kind.VALUE, null, null);
    }

    public static Setting<Double> decimal(String key, double def, String doc) {
        return new Setting<>(key, "number", def, doc, v -> {
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            try {
                return Double.parseDouble(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a number, got '" + v + "'");
            }
        }, false, Kind.VALUE, null, null);
    }

    public static Setting<Boolean> bool(String key, boolean def, String doc) {
        return new Setting<>(key, "true|false", def, doc, v -> {
            String s = v.toString().trim().toLowerCase(Locale.ROOT);
            if (!s.equals("true") && !s.equals("false")) {
                throw new IllegalArgumentException("expected true or false, got '" + v + "'");
            }
            return Boolean.parseBoolean(s);
        }, false, Kind.VALUE, null, null);
    }

    public static Setting<String> choice(String key, String def, String doc, String... allowed) {
        return new Setting<>(key, String.join("|", allowed), def, doc, v -> {
            String s = v.toString().trim().toLowerCase(Locale.ROOT);
            for (String a : allowed) {
                if (a.equals(s)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
        }, false, Kind.VALUE, null, null);
    }

    public static Setting<List<String>> stringList(String key, String doc) {
        return new Setting<>(key, "list", List.of(), doc, v -> {
            if (v instanceof List<?> l) {
                return l.stream().map(String::valueOf).toList();
            }
            return List.of(v.toString());
        }, false, Kind.VALUE, null, null);
    }

    /** This setting, required: unset is an error naming it. */
    public Setting<T> mustBeSet() {
        return new Setting<>(key, type, defaultValue, doc, parse, true, kind, cliFlag, sqlKey);
    }

    /** This setting with its runtime CLI flag. */
    public Setting<T> cli(String flag) {
        return new Setting<>(key, type, defaultValue, doc, parse, required, kind, flag, sqlKey);
    }

    /** This setting with its {@code spark.specdec.*} conf key. */
    public Setting<T> sql(String confKey) {
        return new Setting<>(key, type, defaultValue, doc, parse, required, kind, cliFlag, confKey);
    }

    /** This setting with a different type shown in help (e.g. the values a text setting accepts). */
    public Setting<T> shownAs(String shownType) {
        return new Setting<>(key, shownType, defaultValue, doc, parse, required, kind, cliFlag, sqlKey);
    }

    /**
     * The typed value of {@code raw} as given on a surface, where the user calls this setting
     * {@code name}: the default when raw is null, else the parsed value. Errors name the setting.
     */
    public T valueOf(Object raw, String name) {
        if (raw == null) {
            if (required) {
                throw new IllegalArgumentException(name + " is required: " + doc);
            }
            return defaultValue;
        }
        try {
            return parse.apply(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad value for " + name + ": " + e.getMessage() + " (" + doc + ")");
        }
    }

    /** The default as help and the README show it. */
    public String shownDefault() {
        if (required) {
            return "(required)";
        }
        if (defaultValue == null) {
            return "(none)";
        }
        if (defaultValue instanceof List<?> l) {
            return l.isEmpty() ? "[]" : l.toString();
        }
        return defaultValue.toString();
    }
}
