package org.specdec.job.template;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/**
 * Guards one rendering of a chat template on the current thread: its CPU-time budget and the first
 * reason it had to stop (the budget ran out, the template called {@code raise_exception}, or it
 * reached for something the sandbox refuses). Jinjava offers no time limit of its own, so the
 * renderer calls {@link #check()} before every template node and every attribute or method lookup:
 * a loop cannot go many iterations without passing one of them.
 */
final class RenderGuard {

    private static final ThreadLocal<RenderGuard> CURRENT = new ThreadLocal<>();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long limitNanos;
    private final long startWall;
    private final long startCpu;
    private final boolean cpuTime;
    private String stopped;

    private RenderGuard(long limitMillis) {
        this.limitNanos = limitMillis * 1_000_000L;
        this.cpuTime = THREADS.isCurrentThreadCpuTimeSupported();
        this.startWall = System.nanoTime();
        this.startCpu = cpuTime ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    /** Thrown to unwind the rendering; the reason is kept in the guard. */
    static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Runs {@code render} under a fresh guard.
     *
     * @return the rendered text
     * @throws IllegalArgumentException with the reason when the rendering had to stop
     */
    static String run(long limitMillis, Supplier<String> render) {
        RenderGuard previous = CURRENT.get();
        RenderGuard guard = new RenderGuard(limitMillis);
        CURRENT.set(guard);
        String out;
        try {
            out = render.get();
        } catch (Stop e) {
            out = null; // the reason is in the guard
        } catch (RuntimeException e) {
            if (guard.stopped == null) {
                throw e;
            }
            out = null; // an error that followed the stop (Jinjava keeps going after some errors)
        } finally {
            CURRENT.set(previous);
        }
        if (guard.stopped != null) {
            throw new IllegalArgumentException(guard.stopped);
        }
        return out;
    }

    /** Stops the rendering once its CPU time is spent. Cheap: a clock read until the wall time passes the limit. */
    static void check() {
        RenderGuard g = CURRENT.get();
        if (g == null) {
            return;
        }
        if (g.stopped != null) {
            throw new Stop(g.stopped);
        }
        if (System.nanoTime() - g.startWall < g.limitNanos) {
            return; // a thread never uses more CPU time than wall time
        }
        long used = g.cpuTime ? THREADS.getCurrentThreadCpuTime() - g.startCpu : System.nanoTime() - g.startWall;
        if (used >= g.limitNanos) {
            stop("the chat template did not finish within " + g.limitNanos / 1_000_000
                    + " ms of CPU time (prompt.template_time_limit_ms)");
        }
    }

    /** Stops the rendering for {@code reason}; the first reason is the one reported. */
    static RuntimeException stop(String reason) {
        RenderGuard g = CURRENT.get();
        if (g != null && g.stopped == null) {
            g.stopped = reason;
        }
        throw new Stop(g != null ? g.stopped : reason);
    }
}
