package org.specdec.kv;


/**
 * One row's cache in a tensor-parallel group: each shard's cache of the key/value heads it holds.
 * They always hold the same positions, because every pass appends to all of them and a rollback
 * truncates all of them.
 */
public final class ShardedKvCache implements KvCache {
    private final KvCache[] shards;

    public ShardedKvCache(KvCache[] shards) {
        this.shards = shards.clone();
    }

    /** A row's cache over {@code count} shards, shard r's part made by {@code cacheOfShard.apply(r)}. */
    public static ShardedKvCache of(int count, java.util.function.IntFunction<KvCache> cacheOfShard) {
        KvCache[] parts = new KvCache[count];
        for (int r = 0; r < count; r++) {
            parts[r] = cacheOfShard.apply(r);
        }
        return new ShardedKvCache(parts);
    }

    /** The cache shard {@code rank} reads and appends to. */
    public KvCache shard(int rank) {
        return shards[rank];
    }

    @Override
    public int length() {
        return shards[0].length();
    }

    @Override
    public int capacity() {
        return shards[0].capacity();
    }

    @Override
    public void truncate(int newLength) {
        for (KvCache s : shards) {
            s.truncate(newLength);
        }
    }
}
