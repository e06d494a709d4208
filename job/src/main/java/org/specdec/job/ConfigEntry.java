package org.specdec.job;

import java.util.function.Function;

/**
 * One job setting, defined once with its documentation and default, as Spark's ConfigEntry.
 *
 * @param key          dotted key, as in the YAML nesting ({@code model.target})
 * @param doc          what it does, printed by {@code --help}
 * @param defaultValue value when unset; null means "none" (or "required" when {@code required})
 * @param parse        from the YAML or {@code --set} value
 * @param required     startup error when unset
 */
public record ConfigEntry<T>(String key, String doc, T defaultValue, Function<Object, T> parse, boolean required) {

    static ConfigEntry<String> string(String key, String def, String doc) {
        return new ConfigEntry<>(key, doc, def, v -> v == null ? null : v.toString(), false);
    }

    static ConfigEntry<String> requiredString(String key, String doc) {
        return new ConfigEntry<>(key, doc, null, v -> v == null ? null : v.toString(), true);
    }

    static ConfigEntry<Integer> integer(String key, int def, String doc) {
        return new ConfigEntry<>(key, doc, def, v -> v instanceof Number n ? n.intValue()
                : Integer.parseInt(v.toString().trim()), false);
    }

    static ConfigEntry<Long> longValue(String key, long def, String doc) {
        return new ConfigEntry<>(key, doc, def, v -> v instanceof Number n ? n.longValue()
                : Long.parseLong(v.toString().trim()), false);
    }

    static ConfigEntry<Double> decimal(String key, double def, String doc) {
        return new ConfigEntry<>(key, doc, def, v -> v instanceof Number n ? n.doubleValue()
                : Double.parseDouble(v.toString().trim()), false);
    }

    static ConfigEntry<Boolean> bool(String key, boolean def, String doc) {
        return new ConfigEntry<>(key, doc, def, v -> {
            String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
            if (!s.equals("true") && !s.equals("false")) {
                throw new IllegalArgumentException("expected true or false, got '" + v + "'");
            }
            return Boolean.parseBoolean(s);
        }, false);
    }

    static ConfigEntry<String> choice(String key, String def, String doc, String... allowed) {
        return new ConfigEntry<>(key, doc + " One of " + String.join(", ", allowed) + ".", def, v -> {
            String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
            for (String a : allowed) {
                if (a.equals(s)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
        }, false);
    }

    static ConfigEntry<java.util.List<String>> stringList(String key, String doc) {
        return new ConfigEntry<>(key, doc, java.util.List.of(), v -> {
            if (v instanceof java.util.List<?> l) {
                return l.stream().map(String::valueOf).toList();
            }
            return java.util.List.of(v.toString());
        }, false);
    }
}
