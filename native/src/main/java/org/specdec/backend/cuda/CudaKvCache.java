package org.specdec.backend.cuda;

import org.specdec.kv.KvLength;

/**
 * One row's KV cache on the device: a slot of its runner's preallocated pool (keys and values,
 * [layer][position][kvDim] F32 each) and a length. Rollback only moves the length; stale
 * positions are overwritten by the next pass.
 */
public final class CudaKvCache extends KvLength {
    private final int slot;

    CudaKvCache(int slot, int capacity) {
        super(capacity);
        this.slot = slot;
    }

    int slot() {
        return slot;
    }
}
