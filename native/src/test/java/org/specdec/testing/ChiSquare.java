package org.specdec.testing;

/** Chi-square goodness-of-fit helpers for distribution tests. */
public final class ChiSquare {
    private ChiSquare() {}

    /**
     * Two-sample chi-square statistic over categories, merging categories whose pooled count is
     * below 10 into one bin. Returns {statistic, degrees of freedom}.
     */
    public static double[] twoSample(long[] a, long[] b) {
        long na = 0;
        long nb = 0;
        for (int i = 0; i < a.length; i++) {
            na += a[i];
            nb += b[i];
        }
        double stat = 0;
        int bins = 0;
        long restA = 0;
        long restB = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] + b[i] < 10) {
                restA += a[i];
                restB += b[i];
                continue;
            }
            stat += term(a[i], b[i], na, nb);
            bins++;
        }
        if (restA + restB > 0) {
            stat += term(restA, restB, na, nb);
            bins++;
        }
        return new double[] {stat, bins - 1};
    }

    private static double term(long x, long y, long na, long nb) {
        double pooled = (double) (x + y) / (na + nb);
        double ea = pooled * na;
        double eb = pooled * nb;
        return (x - ea) * (x - ea) / ea + (y - eb) * (y - eb) / eb;
    }

    /** One-sample statistic of observed counts against exact probabilities; returns {statistic, df}. */
    public static double[] oneSample(long[] observed, double[] probs) {
        long n = 0;
        for (long o : observed) {
            n += o;
        }
        double stat = 0;
        int bins = 0;
        double restE = 0;
        long restO = 0;
        for (int i = 0; i < observed.length; i++) {
            double e = probs[i] * n;
            if (e < 10) {
                restE += e;
                restO += observed[i];
                continue;
            }
            stat += (observed[i] - e) * (observed[i] - e) / e;
            bins++;
        }
        if (restE > 0) {
            stat += (restO - restE) * (restO - restE) / restE;
            bins++;
        }
        return new double[] {stat, bins - 1};
    }

    /** Upper critical value for significance 0.001 (Wilson-Hilferty approximation). */
    public static double critical001(double df) {
        double z = 3.090;
        double t = 1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df));
        return df * t * t * t;
    }
}
