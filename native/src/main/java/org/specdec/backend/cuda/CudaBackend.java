package org.specdec.backend.cuda;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import org.specdec.backend.Backend;
import org.specdec.backend.ModelRunner;
import org.specdec.model.LayerWeights;
import org.specdec.model.LlamaWeights;
import org.specdec.model.ShardLayout;
import org.specdec.tensor.WeightTensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemsetD8;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;

/**
 * The CUDA backend: one GPU ("cuda:N", the address Spark assigned), its primary context (shared
 * with anything else in the executor JVM that uses the same GPU), our kernels loaded from the
 * fatbin in the jar with cuModuleLoadData, and one stream. JCuda's driver API only: no cuBLAS, no
 * NVRTC, so a machine with only the CUDA 13 driver (libcuda.so.1) runs it.
 *
 * <p>Weights are uploaded once per backend and shared by identity: a self-draft (the target's
 * first n layers) reuses the target's device matrices. Every runner preallocates a KV cache for
 * {@code maxRows} rows from the free memory left after its weights ({@link KvBudget}).
 *
 * <p>The CUDA context is current per thread; every entry point makes it current first, so loading
 * on one thread and decoding on the engine's loop thread both work.
 */
public final class CudaBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

    private final int ordinal;
    private final String deviceName;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final CUstream stream = new CUstream();
    private final int smCount;
    private final int driverVersion;
    private final int computeCapability;
    private final int maxPositions;
    private final int maxRows;
    private final KernelLauncher launcher;
    private final Map<WeightTensor, DeviceMatrix> matrices = new IdentityHashMap<>();
    private final Map<LayerWeights, DeviceLayer> layers = new IdentityHashMap<>();
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    private final List<CudaModelRunner> runners = new ArrayList<>();
    private boolean closed;

    /**
     * Opens "cuda:N". Fails with the reason from {@link CudaAvailability} when the backend cannot
     * run here (no kernels in the jar, no driver, no device) and names the device count when N is
     * out of range.
     *
     * @param maxPositions longest row (prompt + generation + draft block) any runner must hold
     * @param maxRows      rows decoded together (the engine's max_batch): KV rows preallocated per model
     */
    public static CudaBackend open(String device, int maxPositions, int maxRows) {
        int ordinal = parseOrdinal(device);
        CudaAvailability a = CudaAvailability.check();
        if (!a.available()) {
            throw new IllegalStateException("device '" + device + "': the CUDA backend is unavailable: " + a.reason()
                    + ". Use device cpu, or run on a GPU executor.");
        }
        if (ordinal >= a.devices()) {
            throw new IllegalArgumentException("device '" + device + "': this machine has " + a.devices()
                    + " CUDA device(s) (cuda:0..cuda:" + (a.devices() - 1) + ")");
        }
        return new CudaBackend(ordinal, maxPositions, maxRows);
    }

    /**
     * The devices of "cuda", "cuda:N" or "cuda:N,M,..." (a tensor-parallel group over several GPUs,
     * as a Spark task holding several gpu addresses names it).
     */
    public static List<Integer> parseOrdinals(String device) {
        if (device.startsWith("cuda:") && device.contains(",")) {
            List<Integer> out = new ArrayList<>();
            for (String part : device.substring(5).split(",", -1)) {
                out.add(parseOrdinal("cuda:" + part.strip()));
            }
            if (new java.util.HashSet<>(out).size() != out.size()) {
                throw new IllegalArgumentException("device '" + device + "' names a GPU twice");
            }
            return List.copyOf(out);
        }
        return List.of(parseOrdinal(device));
    }

    /** "cuda" is cuda:0; "cuda:N" is device N. */
    public static int parseOrdinal(String device) {
        if (device.equals("cuda")) {
            return 0;
        }
        if (device.startsWith("cuda:")) {
            try {
                int n = Integer.parseInt(device.substring(5));
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("unknown device '" + device + "' (use cpu or cuda:N, e.g. cuda:0)");
    }

    /** Oldest driver that runs what CUDA 13's nvcc builds (CUDA 13.0, driver branch 580). */
    static final int MIN_DRIVER_VERSION = 13000;
    /** Oldest GPU the fatbin has machine code for (sm_80, Ampere); newer ones JIT the compute_90 PTX. */
    static final int MIN_COMPUTE_CAPABILITY = 80;

    private CudaBackend(int ordinal, int maxPositions, int maxRows) {
        this.ordinal = ordinal;
        this.maxPositions = maxPositions;
        this.maxRows = Math.max(1, maxRows);
        JCudaDriver.setExceptionsEnabled(true);
        int[] v = new int[1];
        cuDriverGetVersion(v);
        this.driverVersion = v[0];
        cuDeviceGet(device, ordinal);
        this.deviceName = readName(device);
        int major = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.computeCapability = 10 * major + minor;
        this.smCount = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        requireSupported(device(), deviceName, driverVersion, computeCapability);
        byte[] fatbin = CudaAvailability.fatbin();
        if (fatbin == null) {
            throw new IllegalStateException("cuda:" + ordinal + ": " + CudaAvailability.FATBIN_RESOURCE + " vanished");
        }
        cuDevicePrimaryCtxRetain(context, device);
        try {
            cuCtxSetCurrent(context);
            byte[] image = new byte[fatbin.length + 1];  // cuModuleLoadData wants a NUL-terminated image
            System.arraycopy(fatbin, 0, image, 0, fatbin.length);
            try {
                cuModuleLoadData(module, image);
            } catch (CudaException e) {
                throw new IllegalStateException(String.format("%s (%s, compute capability %d.%d, driver %s): cannot"
                        + " load the specdec kernels (%s): %s", device(), deviceName, major, minor,
                        versionString(driverVersion), CudaAvailability.FATBIN_RESOURCE, e.getMessage()), e);
            }
            cuStreamCreate(stream, 0);
        } catch (RuntimeException e) {
            cuDevicePrimaryCtxRelease(device);
            throw e;
        }
        this.launcher = new KernelLauncher(module, stream);
        long[] mem = memInfo();
        LOG.info("cuda:{} {} (compute capability {}.{}, {} SMs, driver {}): {} MiB free of {} MiB{}", ordinal,
                deviceName, major, minor, smCount, versionString(driverVersion), mem[0] >> 20, mem[1] >> 20,
                launcher.syncEach() ? "; " + KernelLauncher.SYNC_ENV + ": synchronizing after every launch" : "");
    }

    /** Fails fast, naming what to change, on a driver or GPU the kernels cannot run on. */
    static void requireSupported(String device, String name, int driverVersion, int computeCapability) {
        if (driverVersion < MIN_DRIVER_VERSION) {
            throw new IllegalStateException(String.format("%s (%s): the NVIDIA driver supports CUDA %s, the specdec"
                    + " kernels need CUDA %s or newer (driver 580+); update the driver", device, name,
                    versionString(driverVersion), versionString(MIN_DRIVER_VERSION)));
        }
        if (computeCapability < MIN_COMPUTE_CAPABILITY) {
            throw new IllegalStateException(String.format("%s (%s): compute capability %d.%d, the specdec kernels need"
                    + " %d.%d or newer (Ampere, Ada, Hopper)", device, name, computeCapability / 10,
                    computeCapability % 10, MIN_COMPUTE_CAPABILITY / 10, MIN_COMPUTE_CAPABILITY % 10));
        }
    }

    /** A driver API version number (12060) as "12.6". */
    static String versionString(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    private int attribute(int attr) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attr, device);
        return v[0];
    }

    private static String readName(CUdevice device) {
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        return new String(name, 0, len, StandardCharsets.US_ASCII);
    }

    @Override
    public String device() {
        return "cuda:" + ordinal;
    }

    public String deviceName() {
        return deviceName;
    }

    public int smCount() {
        return smCount;
    }

    /** The driver's CUDA version as cuDriverGetVersion reports it (13000 = CUDA 13.0). */
    public int driverVersion() {
        return driverVersion;
    }

    /** 10 x major + minor (90 = sm_90). */
    public int computeCapability() {
        return computeCapability;
    }

    /** Kernel launches since this backend was opened (every runner's passes, acceptance included). */
    public long launchCount() {
        return launcher.launches();
    }

    /** Kernel and graph launches of every CUDA backend in this JVM so far. */
    public static long launchesInThisJvm() {
        return KernelLauncher.allLaunches();
    }

    /** Times every launch with CUDA events until {@link #stopKernelProfile()}. */
    public void startKernelProfile() {
        bind();
        launcher.startProfile();
    }

    /** Per-kernel launch counts and summed event times since {@link #startKernelProfile()}. */
    public List<KernelTime> stopKernelProfile() {
        bind();
        List<KernelTime> out = new ArrayList<>();
        for (KernelLauncher.KernelTime t : launcher.stopProfile()) {
            out.add(new KernelTime(t.kernel(), t.launches(), t.ms()));
        }
        return out;
    }

    /** One kernel's share of a profiled stretch: launches and summed device time. */
    public record KernelTime(String kernel, int launches, double ms) {}

    /**
     * Device-to-device copy bandwidth in GB/s, counting bytes read plus bytes written (the usual
     * definition of a copy roofline): the best of {@code repeats} copies of {@code bytes}, timed
     * with CUDA events. A memory-bound kernel that only reads its weights can reach about this rate.
     */
    public double copyBandwidthGbs(long bytes, int repeats) {
        bind();
        CUdeviceptr src = allocZeroed(bytes);
        CUdeviceptr dst = allocZeroed(bytes);
        CUevent start = new CUevent();
        CUevent end = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(end, 0);
        try {
            cuMemcpyDtoDAsync(dst, src, bytes, stream);  // warm-up
            double best = Double.MAX_VALUE;
            float[] ms = new float[1];
            for (int i = 0; i < repeats; i++) {
                cuEventRecord(start, stream);
                cuMemcpyDtoDAsync(dst, src, bytes, stream);
                cuEventRecord(end, stream);
                cuEventSynchronize(end);
                cuEventElapsedTime(ms, start, end);
                best = Math.min(best, ms[0]);
            }
            return 2.0 * bytes / (best / 1e3) / 1e9;
        } finally {
            cuEventDestroy(start);
            cuEventDestroy(end);
            free(src);
            free(dst);
        }
    }

    int maxPositions() {
        return maxPositions;
    }

    int maxRows() {
        return maxRows;
    }

    CUstream stream() {
        return stream;
    }

    /** Makes this backend's context current on the calling thread. */
    void bind() {
        if (closed) {
            throw new IllegalStateException(device() + " is closed");
        }
        cuCtxSetCurrent(context);
    }

    CUfunction function(String name) {
        return launcher.function(name);
    }

    /** Launches a kernel on the backend's stream (counted; synchronized and named in debug mode). */
    void launch(String kernel, int gx, int gy, int gz, int threads, Pointer... args) {
        launcher.launch(kernel, gx, gy, gz, threads, args);
    }

    KernelLauncher launcher() {
        return launcher;
    }

    @Override
    public OptionalLong deviceMemoryBytes() {
        bind();
        return OptionalLong.of(memInfo()[0]);
    }

    /** {free, total} device memory in bytes. */
    public long[] memInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        cuMemGetInfo(free, total);
        return new long[] {free[0], total[0]};
    }

    /** A zero-filled device allocation owned by the backend (freed when it closes). */
    CUdeviceptr allocZeroed(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(bytes, 16));
        cuMemsetD8(p, (byte) 0, Math.max(bytes, 16));
        allocations.add(p);
        return p;
    }

    void free(CUdeviceptr p) {
        if (p != null && allocations.remove(p)) {
            cuMemFree(p);
        }
    }

    DeviceMatrix matrix(WeightTensor w) {
        return matrices.computeIfAbsent(w, t -> DeviceMatrix.upload(this, List.of(t)));
    }

    DeviceLayer layer(LayerWeights lw) {
        return layers.computeIfAbsent(lw, l -> DeviceLayer.upload(this, l));
    }

    @Override
    public ModelRunner load(LlamaWeights weights) {
        bind();
        CudaModelRunner r = new CudaModelRunner(this, weights);
        runners.add(r);
        return r;
    }

    /**
     * Shard {@code layout} of a tensor-parallel target on this device: only the shard's rows and
     * columns of each matrix are uploaded, straight from the mapped checkpoint.
     */
    CudaModelRunner loadShard(LlamaWeights whole, ShardLayout layout) {
        bind();
        CudaModelRunner r = new CudaModelRunner(this, whole, layout);
        runners.add(r);
        return r;
    }

    int ordinal() {
        return ordinal;
    }

    CUdevice cuDevice() {
        return device;
    }

    CUcontext context() {
        return context;
    }

    void forget(CudaModelRunner r) {
        runners.remove(r);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        // After a sticky error (an illegal address, say) every call fails; free what can be freed
        // and always release the primary context, so the executor's next backend starts clean.
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, () -> cuCtxSetCurrent(context));
        for (CudaModelRunner r : List.copyOf(runners)) {
            attempt(failures, r::close);
        }
        closed = true;
        attempt(failures, () -> cuCtxSynchronize());
        for (CUdeviceptr p : allocations) {
            attempt(failures, () -> cuMemFree(p));
        }
        allocations.clear();
        matrices.clear();
        layers.clear();
        attempt(failures, () -> cuStreamDestroy(stream));
        attempt(failures, () -> cuModuleUnload(module));
        attempt(failures, () -> cuDevicePrimaryCtxRelease(device));
        if (!failures.isEmpty()) {
            LOG.warn("{}: {} CUDA call(s) failed while closing; first: {}", device(), failures.size(),
                    failures.get(0).getMessage());
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    /** A weight matrix on the device: rows padded to 16, row length padded to 64, zeros in the pads. */
    record DeviceMatrix(CUdeviceptr ptr, int rows, int cols, int ldk, int dtypeCode, String kernelPrefix) {

        static DeviceMatrix upload(CudaBackend b, List<WeightTensor> parts) {
            WeightTensor first = parts.get(0);
            int cols = first.cols();
            int rows = 0;
            for (WeightTensor t : parts) {
                if (t.cols() != cols || t.dtype() != first.dtype()) {
                    throw new IllegalArgumentException("cannot fuse " + t + " with " + first);
                }
                rows += t.rows();
            }
            int ldk = LaunchGeometry.paddedK(cols);
            int es = first.dtype().bytes();
            long bytes = (long) LaunchGeometry.paddedRows(rows) * ldk * es;
            CUdeviceptr p = b.allocZeroed(bytes);
            int rowBase = 0;
            for (WeightTensor t : parts) {
                DeviceUpload.rows(t, p, rowBase, (long) ldk * es);
                rowBase += t.rows();
            }
            int code;
            String prefix;
            switch (first.dtype()) {
                case BF16: code = 2; prefix = "bf16"; break;
                case F16: code = 1; prefix = "f16"; break;
                default: code = 0; prefix = "f32"; break;
            }
            return new DeviceMatrix(p, rows, cols, ldk, code, prefix);
        }
    }

    /**
     * One decoder layer on the device. q/k/v are fused into one [q+2kv][d] matrix and gate/up into
     * one [2ff][d] matrix (one GEMM each, the same bytes as three and two), biases fused alike.
     */
    record DeviceLayer(CUdeviceptr attentionNorm, DeviceMatrix qkv, CUdeviceptr qkvBias, DeviceMatrix wo,
                       CUdeviceptr ffnNorm, DeviceMatrix gateUp, DeviceMatrix down) {

        static DeviceLayer upload(CudaBackend b, LayerWeights l) {
            CUdeviceptr bias = null;
            if (l.bq() != null) {
                float[] all = new float[l.bq().length + l.bk().length + l.bv().length];
                System.arraycopy(l.bq(), 0, all, 0, l.bq().length);
                System.arraycopy(l.bk(), 0, all, l.bq().length, l.bk().length);
                System.arraycopy(l.bv(), 0, all, l.bq().length + l.bk().length, l.bv().length);
                bias = DeviceUpload.floats(b, all);
            }
            return new DeviceLayer(
                    DeviceUpload.floats(b, l.attentionNorm()),
                    DeviceMatrix.upload(b, List.of(l.wq(), l.wk(), l.wv())),
                    bias,
                    DeviceMatrix.upload(b, List.of(l.wo())),
                    DeviceUpload.floats(b, l.ffnNorm()),
                    DeviceMatrix.upload(b, List.of(l.wGate(), l.wUp())),
                    DeviceMatrix.upload(b, List.of(l.wDown())));
        }
    }

    static Pointer nullPointer() {
        return new CUdeviceptr();
    }
}
