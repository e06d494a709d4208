package org.specdec.util;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Minimal "--flag value" parser: repeatable flags keep every value, unknown flags are an error.
 * Shared by every command line: the runtime CLI, the bench runners and the launcher's bench.
 */
public final class Args {
    private final Map<String, List<String>> values = new HashMap<>();

    public Args(String[] argv, int from, Set<String> valueFlags, Set<String> booleanFlags) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            String name = a;
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                inline = a.substring(eq + 1);
            }
            if (booleanFlags.contains(name)) {
                values.computeIfAbsent(name, x -> new ArrayList<>()).add(inline == null ? "true" : inline);
            } else if (valueFlags.contains(name)) {
                String v = inline;
                if (v == null) {
                    if (i + 1 >= argv.length) {
                        throw new IllegalArgumentException(name + " needs a value");
                    }
                    v = argv[++i];
                }
                values.computeIfAbsent(name, x -> new ArrayList<>()).add(v);
            } else {
                throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
    }

    public boolean has(String flag) {
        return values.containsKey(flag);
    }

    public String get(String flag, String def) {
        List<String> v = values.get(flag);
        return v == null ? def : v.get(v.size() - 1);
    }

    public List<String> all(String flag) {
        return values.getOrDefault(flag, List.of());
    }

    public int getInt(String flag, int def) {
        return parsed(flag, def, Integer::parseInt, "an integer");
    }

    public long getLong(String flag, long def) {
        return parsed(flag, def, Long::parseLong, "an integer");
    }

    public double getDouble(String flag, double def) {
        return parsed(flag, def, Double::parseDouble, "a number");
    }

    private <T> T parsed(String flag, T def, Function<String, T> parse, String what) {
        String v = get(flag, null);
        try {
            return v == null ? def : parse.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be " + what + ", got '" + v + "'");
        }
    }

    public boolean flag(String flag) {
        return Boolean.parseBoolean(get(flag, "false"));
    }

    public Path path(String flag) {
        String v = get(flag, null);
        return v == null ? null : Path.of(v);
    }

    public Path requirePath(String flag) {
        Path p = path(flag);
        if (p == null) {
            throw new IllegalArgumentException(flag + " is required");
        }
        return p;
    }

    /** "1,2,3" or "1..8" into ints. */
    public static int[] intList(String s) {
        s = s.trim();
        if (s.contains("..")) {
            String[] ab = s.split("\\.\\.");
            int a = Integer.parseInt(ab[0].trim());
            int b = Integer.parseInt(ab[1].trim());
            int[] out = new int[b - a + 1];
            for (int i = 0; i < out.length; i++) {
                out[i] = a + i;
            }
            return out;
        }
        String[] parts = s.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a list of integers: '" + s + "'");
            }
        }
        return out;
    }
}
