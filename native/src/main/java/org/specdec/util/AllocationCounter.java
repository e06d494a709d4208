package org.specdec.util;

import java.lang.management.ManagementFactory;

/**
 * Bytes this JVM's live threads have allocated on the heap so far, for checking that a hot loop
 * allocates nothing once compiled (HotSpot's per-thread counters; a JVM without them reports -1).
 */
public final class AllocationCounter {
    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private AllocationCounter() {}

    private static com.sun.management.ThreadMXBean threads() {
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported()) {
                t.setThreadAllocatedMemoryEnabled(true);
                return t;
            }
        } catch (LinkageError | UnsupportedOperationException e) {
            // a runtime image without jdk.management: not counted
        }
        return null;
    }

    /** Whether this JVM counts allocated bytes per thread. */
    public static boolean isSupported() {
        return THREADS != null;
    }

    /** Total over live threads, or -1 where the JVM does not count. */
    public static long allocatedBytes() {
        if (THREADS == null) {
            return -1;
        }
        long sum = 0;
        for (long bytes : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
            sum += Math.max(0, bytes);  // -1 for a thread that ended in between
        }
        return sum;
    }
}
