package org.specdec.kv;

/**
 * CPU KV cache, per layer two F32 arrays.
 *
 * <p>Values are position major ({@code capacity x kvDim}): the attention's weighted sum reads one
 * contiguous stretch per head and position.
 *
 * <p>Keys lie in tiles of {@link #keyTile()} positions, dimension major within a tile: element e
 * of position p's key is at {@code (p / tile) * kvDim * tile + e * tile + p % tile}. One element
 * of a head's keys over a tile's positions is then one contiguous run of {@code tile} floats (one
 * vector when the tile is the vector width), so attention scores a tile of positions with one
 * FMA per head element and no lane reductions. The array holds whole tiles: positions past the
 * capacity in the last tile are never valid.
 */
public final class HeapKvCache extends KvLength {
    private final float[][] keys;
    private final float[][] values;
    private final int kvDim;
    private final int keyTile;

    public HeapKvCache(int layers, int capacity, int kvDim, int keyTile) {
        super(capacity);
        if (keyTile < 1) {
            throw new IllegalArgumentException("key tile " + keyTile);
        }
        this.kvDim = kvDim;
        this.keyTile = keyTile;
        int tiles = (capacity + keyTile - 1) / keyTile;
        this.keys = new float[layers][tiles * keyTile * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }

    /** The keys of {@code layer}, in tiles (see the class comment). */
    public float[] keys(int layer) {
        return keys[layer];
    }

    /** The values of {@code layer}, position major. */
    public float[] values(int layer) {
        return values[layer];
    }

    public int kvDim() {
        return kvDim;
    }

    /** Positions per key tile. */
    public int keyTile() {
        return keyTile;
    }

    /** Where element {@code e} of position {@code pos}'s key lies in {@link #keys}. */
    public int keyIndex(int pos, int e) {
        return (pos / keyTile) * kvDim * keyTile + e * keyTile + pos % keyTile;
    }

    /** Writes position {@code pos}'s key and value ({@code kvDim} elements each) for {@code layer}. */
    public void put(int layer, int pos, float[] key, int keyOff, float[] value, int valueOff) {
        put(layer, pos, 0, kvDim, key, keyOff, value, valueOff);
    }

    /**
     * Writes elements [from, from + n) of position {@code pos}'s key and value for {@code layer}
     * (one KV head's, say), read from {@code keyOff} and {@code valueOff}.
     */
    public void put(int layer, int pos, int from, int n, float[] key, int keyOff, float[] value, int valueOff) {
        float[] k = keys[layer];
        int at = keyIndex(pos, from);
        for (int e = 0; e < n; e++) {
            k[at + e * keyTile] = key[keyOff + e];
        }
        System.arraycopy(value, valueOff, values[layer], pos * kvDim + from, n);
    }
}
