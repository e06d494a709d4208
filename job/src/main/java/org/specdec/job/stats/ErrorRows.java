package org.specdec.job.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run's rows with errors, in bounded memory: how many there are, how many per cause (the
 * first {@value #MAX_CAUSES} distinct causes; causes that name a row's own value can be as many as
 * the rows), and the {@value #FIRST_IDS} smallest ids with their causes.
 */
public final class ErrorRows implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Distinct causes counted one by one; later ones are counted together. */
    public static final int MAX_CAUSES = 1000;
    /** Error rows listed by id. */
    public static final int FIRST_IDS = 50;

    private long count;
    private final Map<String, Long> byCause = new HashMap<>();
    private long otherCauses;
    private final TreeMap<String, String> firstById = new TreeMap<>();

    void add(String id, String cause) {
        count++;
        countCause(cause, 1);
        keepId(String.valueOf(id), cause);
    }

    void merge(ErrorRows o) {
        count += o.count;
        o.byCause.forEach((cause, n) -> countCause(cause, n));
        otherCauses += o.otherCauses;
        o.firstById.forEach(this::keepId);
    }

    private void countCause(String cause, long n) {
        if (byCause.containsKey(cause) || byCause.size() < MAX_CAUSES) {
            byCause.merge(cause, n, Long::sum);
        } else {
            otherCauses += n;
        }
    }

    private void keepId(String id, String cause) {
        firstById.put(id, cause);
        if (firstById.size() > FIRST_IDS) {
            firstById.pollLastEntry();
        }
    }

    public long count() {
        return count;
    }

    /** The most frequent causes, most frequent first (ties by cause), at most {@code n}. */
    public List<Map.Entry<String, Long>> topCauses(int n) {
        List<Map.Entry<String, Long>> all = new ArrayList<>(byCause.entrySet());
        all.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        return all.subList(0, Math.min(n, all.size()));
    }

    /** Error rows whose cause was not counted on its own (beyond {@value #MAX_CAUSES} distinct causes). */
    public long otherCauses() {
        return otherCauses;
    }

    /** The error rows with the smallest ids (at most {@value #FIRST_IDS}), id to cause, by id. */
    public Map<String, String> firstById() {
        return java.util.Collections.unmodifiableMap(firstById);
    }
}
