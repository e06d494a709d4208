package org.specdec.job.report;

import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts for the HTML reports: line charts (several series over shared x values) and
 * bar charts. No scripts: every point is an SVG element with a {@code <title>} tooltip and a
 * {@code data-point} attribute (tests count them), inside a {@code <figure data-chart=ID>}.
 */
public final class SvgChart {
    static final int WIDTH = 560;
    static final int HEIGHT = 300;
    static final int LEFT = 64;
    static final int RIGHT = 16;
    static final int TOP = 14;
    static final int BOTTOM = 46;
    static final String[] COLORS = {"#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#57606a"};

    private SvgChart() {
    }

    /**
     * One curve.
     *
     * @param name   legend text
     * @param x      x values
     * @param y      y values (NaN = no point)
     * @param dashed drawn thin and dashed (secondary series)
     */
    public record Series(String name, double[] x, double[] y, boolean dashed) {
    }

    /** A line chart; with {@code log2X} the x axis is log2-scaled and ticked at the x values (concurrency). */
    public static String line(String id, String title, String xLabel, String yLabel, List<Series> series,
                              boolean log2X) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMax = 0;
        java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isNaN(s.y[i])) {
                    continue;
                }
                double x = log2X ? log2(s.x[i]) : s.x[i];
                xMin = Math.min(xMin, x);
                xMax = Math.max(xMax, x);
                yMax = Math.max(yMax, s.y[i]);
                xs.add(s.x[i]);
            }
        }
        if (xs.isEmpty()) {
            return empty(id, title);
        }
        if (xMax == xMin) {
            xMin -= 1;
            xMax += 1;
        }
        boolean wholeY = series.stream().allMatch(sr -> whole(sr.y));
        List<Double> yTicks = upTo(yMax, wholeY);
        double yTop = yTicks.get(yTicks.size() - 1);
        StringBuilder b = open(id, title);
        axes(b, yTicks, yLabel, xLabel);
        // x ticks: the data's own x values on a log axis, else round steps within the data's range.
        boolean wholeX = series.stream().allMatch(sr -> whole(sr.x));
        double xStep = step(xMax - xMin, wholeX);
        List<Double> ticks = log2X ? List.copyOf(xs) : within(xMin, xMax, xStep);
        for (double t : ticks) {
            double px = px(log2X ? log2(t) : t, xMin, xMax);
            b.append(String.format(Locale.ROOT,
                    "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                            + "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                    px, TOP, px, HEIGHT - BOTTOM, px, HEIGHT - BOTTOM + 16, log2X ? fmt(t) : tickLabel(t, xStep)));
        }
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            String color = COLORS[si % COLORS.length];
            StringBuilder path = new StringBuilder();
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isNaN(s.y[i])) {
                    continue;
                }
                double px = px(log2X ? log2(s.x[i]) : s.x[i], xMin, xMax);
                double py = py(s.y[i], yTop);
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                points.append(String.format(Locale.ROOT,
                        "<circle data-point=\"1\" data-series=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\">"
                                + "<title>%s: %s = %s, %s = %s</title></circle>",
                        Html.escape(s.name), px, py, s.dashed ? "2.5" : "3.5", color, Html.escape(s.name),
                        Html.escape(xLabel), fmt(s.x[i]), Html.escape(yLabel), fmt(s.y[i])));
            }
            b.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s/>",
                    path, color, s.dashed ? "1.2" : "2.2", s.dashed ? " stroke-dasharray=\"4 3\"" : ""));
            b.append(points);
        }
        b.append("</svg>");
        legend(b, series.stream().map(Series::name).toList(), series.stream().map(Series::dashed).toList());
        return b.append("</figure>\n").toString();
    }

    /** A bar chart with one bar per label. */
    public static String bars(String id, String title, String xLabel, String yLabel, List<String> labels,
                              double[] values) {
        if (labels.isEmpty()) {
            return empty(id, title);
        }
        double yMax = 0;
        for (double v : values) {
            yMax = Math.max(yMax, Double.isNaN(v) ? 0 : v);
        }
        List<Double> yTicks = upTo(yMax, whole(values));
        double yTop = yTicks.get(yTicks.size() - 1);
        StringBuilder b = open(id, title);
        axes(b, yTicks, yLabel, xLabel);
        double slot = (WIDTH - LEFT - RIGHT) / (double) labels.size();
        int labelEvery = Math.max(1, (int) Math.ceil(labels.size() / 16.0));
        for (int i = 0; i < labels.size(); i++) {
            double v = Double.isNaN(values[i]) ? 0 : values[i];
            double x = LEFT + i * slot + slot * 0.12;
            double w = slot * 0.76;
            double y = py(v, yTop);
            b.append(String.format(Locale.ROOT,
                    "<rect data-point=\"1\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                            + "<title>%s: %s</title></rect>",
                    x, y, w, HEIGHT - BOTTOM - y, COLORS[0], Html.escape(labels.get(i)), fmt(v)));
            if (i % labelEvery == 0) {
                b.append(String.format(Locale.ROOT,
                        "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x + w / 2,
                        HEIGHT - BOTTOM + 16, Html.escape(labels.get(i))));
            }
        }
        b.append("</svg>");
        return b.append("</figure>\n").toString();
    }

    private static StringBuilder open(String id, String title) {
        StringBuilder b = new StringBuilder();
        b.append("<figure class=\"chart\" data-chart=\"").append(Html.escape(id)).append("\"><figcaption>")
                .append(Html.escape(title)).append("</figcaption>");
        b.append(String.format(Locale.ROOT,
                "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\" xmlns=\"http://www.w3.org/2000/svg\">",
                WIDTH, HEIGHT, Html.escape(title)));
        return b;
    }

    private static String empty(String id, String title) {
        return open(id, title).append(String.format(Locale.ROOT,
                "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">no data</text></svg></figure>%n",
                WIDTH / 2, HEIGHT / 2)).toString();
    }

    private static void axes(StringBuilder b, List<Double> yTicks, String yLabel, String xLabel) {
        double yTop = yTicks.get(yTicks.size() - 1);
        double yStep = yTicks.size() > 1 ? yTicks.get(1) - yTicks.get(0) : 1;
        for (double v : yTicks) {
            double y = py(v, yTop);
            b.append(String.format(Locale.ROOT,
                    "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                            + "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                    LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, tickLabel(v, yStep)));
        }
        b.append(String.format(Locale.ROOT,
                "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                        + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, LEFT, TOP, LEFT, HEIGHT - BOTTOM));
        b.append(String.format(Locale.ROOT,
                "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>"
                        + "<text class=\"label\" x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>",
                (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 8, Html.escape(xLabel), (TOP + HEIGHT - BOTTOM) / 2,
                (TOP + HEIGHT - BOTTOM) / 2, Html.escape(yLabel)));
    }

    private static void legend(StringBuilder b, List<String> names, List<Boolean> dashed) {
        b.append("<div class=\"legend\">");
        for (int i = 0; i < names.size(); i++) {
            b.append("<span><i style=\"background:").append(COLORS[i % COLORS.length])
                    .append(dashed.get(i) ? ";opacity:.6" : "").append("\"></i>").append(Html.escape(names.get(i)))
                    .append("</span>");
        }
        b.append("</div>");
    }

    private static double px(double x, double min, double max) {
        double pad = 12;
        return LEFT + pad + (x - min) / (max - min) * (WIDTH - LEFT - RIGHT - 2 * pad);
    }

    private static double py(double y, double top) {
        return HEIGHT - BOTTOM - (top <= 0 ? 0 : y / top) * (HEIGHT - BOTTOM - TOP);
    }

    private static double log2(double x) {
        return Math.log(Math.max(x, 1e-9)) / Math.log(2);
    }

    /**
     * The step between axis ticks over {@code span}: 1, 2 or 5 x 10^n, about five intervals, and at
     * least 1 when every value is a whole number (counts and seconds are never ticked at 1.25).
     */
    static double step(double span, boolean whole) {
        if (!(span > 0)) {
            return 1;
        }
        double raw = span / 5;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = 10 * p;
        for (double m : new double[] {1, 2, 5}) {
            if (m * p >= raw * (1 - 1e-9)) {
                step = m * p;
                break;
            }
        }
        return whole ? Math.max(1, step) : step;
    }

    /** Ticks of a value axis from 0 to the first step at or above {@code max} (its top). */
    static List<Double> upTo(double max, boolean whole) {
        double step = step(max, whole);
        long n = Math.max(1, (long) Math.ceil(max / step - 1e-9));
        List<Double> t = new java.util.ArrayList<>();
        for (long i = 0; i <= n; i++) {
            t.add(i * step);
        }
        return t;
    }

    /** The multiples of {@code step} between min and max. */
    static List<Double> within(double min, double max, double step) {
        List<Double> t = new java.util.ArrayList<>();
        for (long i = (long) Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) {
            t.add(i * step);
        }
        return t;
    }

    /** A tick's text, with as many decimals as its step needs (0.2 steps: one; 5 steps: none). */
    static String tickLabel(double v, double step) {
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static boolean whole(double[] values) {
        for (double v : values) {
            if (!Double.isNaN(v) && v != Math.rint(v)) {
                return false;
            }
        }
        return true;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a != 0 && a < 0.01) {
            return String.format(Locale.ROOT, "%.2g", v);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, a >= 10 ? "%.1f" : "%.2f", v);
    }
}
