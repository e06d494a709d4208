package org.specdec.backend.cuda;

import java.io.IOException;
import java.io.InputStream;

/**
 * Whether the CUDA backend can run in this JVM, and if not, why. Checked in the order a user
 * would fix things: the kernels were built into the jar (nvcc was present at build time), the
 * JCuda driver binding loads (it needs libcuda.so.1 from the NVIDIA driver; without it the native
 * library fails with UnsatisfiedLinkError), and the driver sees at least one device.
 *
 * @param available true when {@link CudaBackend} can be opened
 * @param reason    null when available, otherwise a one-line cause with the fix
 * @param devices   CUDA devices the driver reports (0 when unavailable)
 */
public record CudaAvailability(boolean available, String reason, int devices) {

    /** The fatbin resource nvcc builds into the native jar. */
    public static final String FATBIN_RESOURCE = "/cuda/specdec.fatbin";

    private static volatile CudaAvailability cached;

    /** The answer for this JVM (computed once: a failed native load cannot be retried). */
    public static CudaAvailability check() {
        CudaAvailability a = cached;
        if (a == null) {
            synchronized (CudaAvailability.class) {
                if (cached == null) {
                    cached = probe();
                }
                a = cached;
            }
        }
        return a;
    }

    public static boolean isAvailable() {
        return check().available();
    }

    /** The kernels as built by nvcc, or null when the jar carries none. */
    public static byte[] fatbin() {
        try (InputStream in = CudaAvailability.class.getResourceAsStream(FATBIN_RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    static CudaAvailability probe() {
        if (CudaAvailability.class.getResource(FATBIN_RESOURCE) == null) {
            return new CudaAvailability(false, "no CUDA kernels in this build (" + FATBIN_RESOURCE
                    + " is missing: nvcc was not found when the native module was built; install the CUDA"
                    + " toolkit and rebuild)", 0);
        }
        try {
            // Presence only: initializing the class would load the native library.
            Class.forName("jcuda.driver.JCudaDriver", false, CudaAvailability.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return new CudaAvailability(false, "JCuda is not on the classpath (" + firstLine(e) + "): add"
                    + " org.jcuda:jcuda and org.jcuda:jcuda-natives (classifier linux-x86_64)", 0);
        }
        try {
            return DriverProbe.run();
        } catch (Throwable t) {
            // JCuda reports a missing libcuda.so.1 as UnsatisfiedLinkError, possibly wrapped
            // (ExceptionInInitializerError, NoClassDefFoundError on a second try).
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof UnsatisfiedLinkError) {
                    return new CudaAvailability(false, "cannot load the CUDA driver through JCuda ("
                            + firstLine(c) + "): no NVIDIA driver (libcuda.so.1) on this machine", 0);
                }
            }
            if (t instanceof VirtualMachineError vme && !(t instanceof OutOfMemoryError)) {
                throw vme;
            }
            return new CudaAvailability(false, "the CUDA driver failed to start (" + firstLine(t) + ")", 0);
        }
    }

    /** The first line of a throwable, at most 200 characters (JCuda puts whole stack traces in messages). */
    private static String firstLine(Throwable t) {
        String s = t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = s.indexOf('\n');
        s = nl < 0 ? s : s.substring(0, nl);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s.strip();
    }

    /** Touches the driver binding; kept apart so that a missing JCuda jar fails in probe(), not here. */
    private static final class DriverProbe {
        static CudaAvailability run() {
            jcuda.driver.JCudaDriver.setExceptionsEnabled(true);
            jcuda.driver.JCudaDriver.cuInit(0);
            int[] count = new int[1];
            jcuda.driver.JCudaDriver.cuDeviceGetCount(count);
            if (count[0] < 1) {
                return new CudaAvailability(false, "the CUDA driver reports no GPU", 0);
            }
            return new CudaAvailability(true, null, count[0]);
        }
    }
}
