package org.specdec.kv;

/**
 * CPU KV cache: per layer, keys and values as F32 arrays of {@code capacity x kvDim}, position
 * major, so attention for one position reads one contiguous stretch per head.
 */
public final class HeapKvCache extends KvLength {
    private final float[][] keys;
    private final float[][] values;
    private final int kvDim;

    public HeapKvCache(int layers, int capacity, int kvDim) {
        super(capacity);
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
}
