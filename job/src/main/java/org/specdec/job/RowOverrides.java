package org.specdec.job;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * Parses a row's own {@code max_tokens}, {@code temperature} and {@code seed} from their input
 * text. Input formats disagree on types (a JSON column holding "lots", a CSV cell "abc", a Parquet
 * double), so the values arrive as text and are parsed here, per row: a value that does not parse
 * is that row's error, naming the column and the value, and never fails the job.
 *
 * @param maxTokensColumn   input column of max_tokens, for messages
 * @param temperatureColumn input column of temperature
 * @param seedColumn        input column of seed
 */
record RowOverrides(String maxTokensColumn, String temperatureColumn, String seedColumn) implements Serializable {

    /** An integer, or a decimal with only zeros after the point (how a double column prints 12). */
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+(\\.0*)?");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** The row's max_tokens, or null when it has none. */
    Integer maxTokens(String text) {
        Long v = integer(text, "max_tokens", maxTokensColumn);
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(bad("max_tokens", maxTokensColumn, text, "is out of range"));
        }
        return v.intValue();
    }

    /** The row's temperature, or null when it has none. */
    Double temperature(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        if (!DECIMAL.matcher(t).matches()) {
            throw new IllegalArgumentException(bad("temperature", temperatureColumn, text, "is not a number"));
        }
        return Double.parseDouble(t);
    }

    /** The row's seed, or null when it has none. */
    Long seed(String text) {
        return integer(text, "seed", seedColumn);
    }

    private static Long integer(String text, String what, String column) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        if (!INTEGER.matcher(t).matches()) {
            throw new IllegalArgumentException(bad(what, column, text, "is not an integer"));
        }
        int dot = t.indexOf('.');
        try {
            return Long.parseLong(dot < 0 ? t : t.substring(0, dot));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(bad(what, column, text, "is out of range"));
        }
    }

    private static String bad(String what, String column, String text, String problem) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return what + " '" + shown + "' " + problem + " (input column '" + column + "')";
    }
}
