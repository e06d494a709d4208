package org.specdec.kv;

/**
 * One row's key/value cache for every layer of one model. {@link #length()} positions are valid;
 * a forward pass appends after them. Rejected draft positions are rolled back with
 * {@link #truncate(int)}, which only moves the length: stale entries are overwritten later.
 */
public interface KvCache {

    int length();

    int capacity();

    /** Rolls back to {@code newLength} valid positions (newLength <= length()). */
    void truncate(int newLength);

    /** Forgets everything, for reuse by the next row. */
    default void reset() {
        truncate(0);
    }
}
