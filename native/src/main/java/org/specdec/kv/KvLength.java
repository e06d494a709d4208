package org.specdec.kv;

/**
 * The bookkeeping every KV cache shares, whatever holds its keys and values: a capacity and the
 * number of valid positions. A pass appends with {@link #advance}; rollback only moves the
 * length, and stale positions are overwritten by the next pass.
 */
public abstract class KvLength implements KvCache {
    private final int capacity;
    private int length;

    protected KvLength(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public final int length() {
        return length;
    }

    @Override
    public final int capacity() {
        return capacity;
    }

    /** Marks {@code n} more positions valid after a forward pass wrote them. */
    public final void advance(int n) {
        if (length + n > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + n) + " > " + capacity);
        }
        length += n;
    }

    @Override
    public final void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate KV cache of length " + length + " to " + newLength);
        }
        length = newLength;
    }
}
