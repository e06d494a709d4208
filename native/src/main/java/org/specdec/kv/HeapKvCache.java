package org.specdec.kv;

/**
 * CPU KV cache: per layer, keys and values as F32 arrays of {@code capacity x kvDim}, position
 * major, so attention for one position reads one contiguous stretch per head.
 */
public final class HeapKvCache implements KvCache {
    private final float[][] keys;
    private final float[][] values;
    private final int capacity;
    private final int kvDim;
    private int length;

    public HeapKvCache(int layers, int capacity, int kvDim) {
        this.capacity = capacity;
        this.kvDim = kvDim;
        this.keys = new float[layers][capacity * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    public int kvDim() {
        return kvDim;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Marks {@code n} more positions valid after a forward pass wrote them. */
    public void advance(int n) {
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

    public static long bytesPerRow(int layers, int capacity, int kvDim) {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }
}
