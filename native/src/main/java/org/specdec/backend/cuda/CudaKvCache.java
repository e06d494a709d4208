package org.specdec.backend.cuda;

import org.specdec.kv.KvCache;

/**
 * One row's KV cache on the device: a slot of its runner's preallocated pool (keys and values,
 * [layer][position][kvDim] F32 each) and a length. Rollback only moves the length; stale
 * positions are overwritten by the next pass.
 */
public final class CudaKvCache implements KvCache {
    private final int slot;
    private final int capacity;
    private int length;

    CudaKvCache(int slot, int capacity) {
        this.slot = slot;
        this.capacity = capacity;
    }

    int slot() {
        return slot;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    void advance(int n) {
        if (length + n > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + n) + " > " + capacity);
        }
        length += n;
    }

    @Override
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate KV cache of length " + length + " to " + newLength);
        }
        length = newLength;
    }
}
