package org.specdec.job.report;

import java.util.List;

/**
 * A self-contained HTML page: inline CSS, inline SVG, no scripts, no external resources, so the
 * file can be mailed, archived next to the output, or opened offline. Laid out for a laptop
 * screen: summary table first, then charts two per row (one per row on narrow windows).
 */
public final class Html {
    private static final String CSS = """
            :root{color-scheme:light}
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
            main{max-width:1440px;margin:0 auto;padding:20px 24px 40px}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
            .sub{color:#57606a;margin:0 0 16px}
            table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums;margin:6px 0}
            .tw{overflow-x:auto;max-width:100%}
            th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:right;white-space:nowrap;font-size:13px}
            th{background:#eaeef2;font-weight:600;white-space:normal;vertical-align:bottom}td.l,th.l{text-align:left;white-space:normal}
            .ok{color:#1a7f37;font-weight:600}.bad{color:#d1242f;font-weight:600}
            .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:14px}
            figure.chart{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:0;padding:10px 12px}
            figcaption{font-weight:600;margin-bottom:4px}
            svg{width:100%;height:auto;display:block}
            .grid{stroke:#eaeef2}.axis{stroke:#57606a}
            .tick{font-size:11px;fill:#57606a}.label{font-size:12px;fill:#1f2328}
            .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin-top:4px}
            .legend i{display:inline-block;width:14px;height:3px;margin-right:5px;vertical-align:middle}
            .note{color:#57606a;font-size:12.5px;max-width:900px}
            code{background:#eaeef2;padding:1px 4px;border-radius:4px}
            """;

    private final StringBuilder body = new StringBuilder();
    private final String title;

    public Html(String title, String subtitle) {
        this.title = title;
        body.append("<h1>").append(escape(title)).append("</h1>\n");
        if (subtitle != null) {
            body.append("<p class=\"sub\">").append(escape(subtitle)).append("</p>\n");
        }
    }

    public Html heading(String text) {
        body.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    public Html note(String text) {
        body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
        return this;
    }

    /** A table; cells are escaped text. A cell starting with "OK " or "SLOWER " is coloured. */
    public Html table(String id, List<String> header, List<List<String>> rows, int leftAlignedColumns) {
        body.append("<div class=\"tw\"><table data-table=\"").append(escape(id)).append("\"><thead><tr>");
        for (int i = 0; i < header.size(); i++) {
            body.append(i < leftAlignedColumns ? "<th class=\"l\">" : "<th>").append(escape(header.get(i)))
                    .append("</th>");
        }
        body.append("</tr></thead><tbody>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                String cell = r.get(i) == null ? "-" : r.get(i);
                String cls = i < leftAlignedColumns ? "l" : "";
                if (cell.startsWith("OK")) {
                    cls += " ok";
                } else if (cell.startsWith("SLOWER")) {
                    cls += " bad";
                }
                body.append(cls.isBlank() ? "<td>" : "<td class=\"" + cls.trim() + "\">").append(escape(cell))
                        .append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</tbody></table></div>\n");
        return this;
    }

    /** Charts laid out in a responsive grid. */
    public Html charts(List<String> svgFigures) {
        body.append("<div class=\"charts\">\n");
        svgFigures.forEach(body::append);
        body.append("</div>\n");
        return this;
    }

    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                + "<title>" + escape(title) + "</title><style>" + CSS + "</style></head>\n<body><main>\n" + body
                + "</main></body></html>\n";
    }

    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
