package org.specdec.util;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Whether the JIT compiled anything between two readings: times taken while it compiles (a JVM's
 * first seconds, a new shape of pass) are not those of the compiled code, so a warm-up goes on
 * until it stops ({@code PassProfile.warmUp}).
 */
public final class JitActivity {
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final boolean MONITORED = JIT != null && JIT.isCompilationTimeMonitoringSupported();

    private JitActivity() {}

    /** Milliseconds the JIT has spent compiling in this JVM so far; always 0 where the JVM does not say. */
    public static long compilationMs() {
        return MONITORED ? JIT.getTotalCompilationTime() : 0;
    }
}
