package org.specdec.job.stats;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Quantiles of non-negative values (latencies) in bounded memory, mergeable across tasks: each
 * value is counted in a logarithmic bucket [g^(i-1), g^i) with g = (1 + a) / (1 - a), and a quantile
 * is reported as the middle of its bucket, so it is within a relative error a of a value of the
 * right rank (the DDSketch construction). Minimum and maximum are exact. A job's latencies span
 * microseconds to hours: at a = 0.5% that is at most a few thousand buckets, whatever the row count.
 */
public final class QuantileSketch implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Relative error of a reported quantile. */
    public static final double RELATIVE_ACCURACY = 0.005;
    private static final double GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
    private static final double LOG_GAMMA = Math.log(GAMMA);
    /** Values below this count as 0 (a bucket index must stay an int). */
    private static final double SMALLEST = 1e-9;

    /** counts[j] = values in bucket offset + j. */
    private long[] counts = new long[0];
    private int offset;
    private long zeros;
    private long count;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    /** Counts one value; NaN and negative values are ignored (they are not timings). */
    public void add(double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            return;
        }
        count++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
        if (v < SMALLEST) {
            zeros++;
        } else {
            addToBucket((int) Math.ceil(Math.log(v) / LOG_GAMMA), 1);
        }
    }

    public void merge(QuantileSketch o) {
        count += o.count;
        sum += o.sum;
        min = Math.min(min, o.min);
        max = Math.max(max, o.max);
        zeros += o.zeros;
        for (int j = 0; j < o.counts.length; j++) {
            if (o.counts[j] != 0) {
                addToBucket(o.offset + j, o.counts[j]);
            }
        }
    }

    private void addToBucket(int index, long n) {
        if (counts.length == 0) {
            counts = new long[16];
            offset = index - 8;
        }
        if (index < offset) {
            int grow = Math.max(offset - index, counts.length / 2);
            long[] c = new long[counts.length + grow];
            System.arraycopy(counts, 0, c, grow, counts.length);
            counts = c;
            offset -= grow;
        } else if (index >= offset + counts.length) {
            counts = Arrays.copyOf(counts, Math.max(index - offset + 1, counts.length + counts.length / 2));
        }
        counts[index - offset] += n;
    }

    public long count() {
        return count;
    }

    /** Mean of the values (exact), NaN when empty. */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * The value of rank ceil(q n) (nearest rank, 1-based) within the relative accuracy; exactly the
     * minimum at q = 0 and the maximum at q = 1; NaN when empty.
     */
    public double quantile(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        if (q <= 0) {
            return min;
        }
        if (q >= 1) {
            return max;
        }
        long rank = Math.max(1, (long) Math.ceil(q * count));
        long seen = zeros;
        if (seen >= rank) {
            return clamp(0);
        }
        for (int j = 0; j < counts.length; j++) {
            seen += counts[j];
            if (seen >= rank) {
                int i = offset + j;
                return clamp(2 * Math.pow(GAMMA, i) / (GAMMA + 1));
            }
        }
        return max;
    }

    private double clamp(double v) {
        return Math.min(max, Math.max(min, v));
    }
}
