package org.specdec.job.template;

/**
 * Jinja's {@code lstrip_blocks}, applied to the template source before Jinjava parses it: the
 * spaces and tabs between the start of a line and a block or comment tag are removed, and nothing
 * else. (Jinjava's own option strips the spaces before every tag, so {@code a, {% endif %}} would
 * lose its space.) {@code {%+} keeps the spaces, as in Jinja; {@code {% raw %}} content is left alone.
 */
final class LstripBlocks {

    private LstripBlocks() {
    }

    static String apply(String template) {
        StringBuilder out = new StringBuilder(template.length());
        int i = 0;
        // Where the current text run began: only whitespace after a newline in it (or at the start
        // of the template) is at the start of a line.
        int textStart = 0;
        boolean textStartsLine = true;
        while (i < template.length()) {
            int open = nextOpening(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            out.append(template, i, open);
            char kind = template.charAt(open + 1);
            int bodyStart = open + 2;
            if (kind != '{') {
                char marker = bodyStart < template.length() ? template.charAt(bodyStart) : 0;
                if (marker == '+') {
                    bodyStart++; // Jinjava does not know '{%+': keep the spaces, drop the marker
                } else if (marker != '-') {
                    stripLineIndent(out, template, textStart, open, textStartsLine);
                }
            }
            int close = closing(template, bodyStart, kind);
            out.append(template, open, open + 2).append(template, bodyStart, close);
            i = close;
            if (kind == '%' && isRawStart(template, bodyStart, close)) {
                int end = template.indexOf("endraw", close);
                int endOpen = end < 0 ? -1 : template.lastIndexOf("{%", end);
                if (endOpen >= close) {
                    out.append(template, close, endOpen);
                    i = endOpen;
                }
            }
            textStart = i;
            textStartsLine = close >= 1 && template.charAt(close - 1) == '\n';
        }
        return out.toString();
    }

    /** Drops the trailing spaces of {@code out} when they alone separate the tag from its line's start. */
    private static void stripLineIndent(StringBuilder out, String t, int textStart, int tag, boolean textStartsLine) {
        int p = tag;
        while (p > textStart && (t.charAt(p - 1) == ' ' || t.charAt(p - 1) == '\t')) {
            p--;
        }
        boolean atLineStart = p > textStart ? t.charAt(p - 1) == '\n' : textStartsLine;
        if (atLineStart && p < tag) {
            out.setLength(out.length() - (tag - p));
        }
    }

    private static int nextOpening(String t, int from) {
        for (int i = t.indexOf('{', from); i >= 0 && i + 1 < t.length(); i = t.indexOf('{', i + 1)) {
            char c = t.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The index just past the tag's closing delimiter, skipping quoted strings in expressions and blocks. */
    private static int closing(String t, int from, char kind) {
        char end = kind == '{' ? '}' : kind;
        char quote = 0;
        for (int i = from; i + 1 < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (kind != '#' && (c == '\'' || c == '"')) {
                quote = c;
            } else if (c == end && t.charAt(i + 1) == '}') {
                return i + 2;
            }
        }
        return t.length(); // unclosed: Jinjava reports it
    }

    private static boolean isRawStart(String t, int bodyStart, int close) {
        String body = t.substring(bodyStart, Math.max(bodyStart, close - 2)).strip();
        if (body.startsWith("-")) {
            body = body.substring(1).strip();
        }
        if (body.endsWith("-")) {
            body = body.substring(0, body.length() - 1).strip();
        }
        return body.equals("raw");
    }
}
