package org.specdec.job.template;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, as transformers' {@code tojson} filter calls it
 * ({@code ensure_ascii=False} unless asked, Python's separators, indent and sort_keys), so a
 * template that prints tools or arguments as JSON renders the same text the model was trained on.
 * Jinjava's own tojson is Jackson's compact form ({@code {"a":1}} where Python writes
 * {@code {"a": 1}}).
 */
final class PythonJson {

    private final boolean ensureAscii;
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /**
     * @param indent     null for one line; otherwise the text of one indentation level
     * @param separators null for Python's default, or {item separator, key separator}
     */
    PythonJson(boolean ensureAscii, String indent, String[] separators, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = separators != null ? separators[0] : indent == null ? ", " : ",";
        this.keySeparator = separators != null ? separators[1] : ": ";
        this.sortKeys = sortKeys;
    }

    String dumps(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.toString();
    }

    private void write(StringBuilder b, Object v, int level) {
        RenderGuard.check();
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean x) {
            b.append(x ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            b.append(pythonFloat(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            b.append(n instanceof BigDecimal d ? d.toPlainString() : n.toString());
        } else if (v instanceof CharSequence || v instanceof Character) {
            string(b, v.toString());
        } else if (v instanceof Map<?, ?> m) {
            object(b, m, level);
        } else if (v instanceof Collection<?> c) {
            array(b, new ArrayList<>(c), level);
        } else if (v instanceof Object[] a) {
            array(b, List.of(a), level);
        } else if (v.getClass().getName().equals("com.hubspot.jinjava.objects.SafeString")) {
            string(b, v.toString());
        } else {
            throw new IllegalArgumentException("Object of type " + v.getClass().getSimpleName()
                    + " is not JSON serializable");
        }
    }

    private void array(StringBuilder b, List<?> items, int level) {
        if (items.isEmpty()) {
            b.append("[]");
            return;
        }
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(itemSeparator);
            }
            newline(b, level + 1);
            write(b, items.get(i), level + 1);
        }
        newline(b, level);
        b.append(']');
    }

    private void object(StringBuilder b, Map<?, ?> m, int level) {
        if (m.isEmpty()) {
            b.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
        }
        if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey());
        }
        b.append('{');
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                b.append(itemSeparator);
            }
            newline(b, level + 1);
            string(b, entries.get(i).getKey());
            b.append(keySeparator);
            Object value = entries.get(i).getValue();
            write(b, value == NULL ? null : value, level + 1);
        }
        newline(b, level);
        b.append('}');
    }

    /** Map.entry refuses null values. */
    private static final Object NULL = new Object();

    /** Python turns non-string keys into their JSON text. */
    private static String key(Object k) {
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean x) {
            return x ? "true" : "false";
        }
        if (k instanceof Double || k instanceof Float) {
            return pythonFloat(((Number) k).doubleValue());
        }
        return k.toString();
    }

    private void newline(StringBuilder b, int level) {
        if (indent != null) {
            b.append('\n');
            b.append(indent.repeat(level));
        }
    }

    private void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Python's repr of a float: shortest digits, positional from 1e-4 to below 1e16, else 1e+16 style. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal v = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = v.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - v.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = v.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
