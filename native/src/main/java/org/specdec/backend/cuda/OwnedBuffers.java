package org.specdec.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

/**
 * The device allocations and pinned host buffers one runner owns (activations, logits, staging,
 * its KV pools), freed together when the runner closes; shared weights stay with the backend.
 * Buffers that grow are replaced through {@link #free} and {@link #freePinned}.
 */
final class OwnedBuffers {
    private final CudaBackend backend;
    private final List<CUdeviceptr> device = new ArrayList<>();
    private final List<Pointer> pinned = new ArrayList<>();

    OwnedBuffers(CudaBackend backend) {
        this.backend = backend;
    }

    /** A zero-filled device allocation. */
    CUdeviceptr device(long bytes) {
        return adopt(backend.allocZeroed(bytes));
    }

    /** Takes over a device allocation the backend made for this runner (uploaded vectors). */
    CUdeviceptr adopt(CUdeviceptr ptr) {
        device.add(ptr);
        return ptr;
    }

    void free(CUdeviceptr ptr) {
        if (ptr != null && device.remove(ptr)) {
            backend.free(ptr);
        }
    }

    /** Page-locked host memory, so that async copies to and from the device really are async. */
    Pointer pinned(long bytes) {
        Pointer ptr = new Pointer();
        cuMemAllocHost(ptr, bytes);
        pinned.add(ptr);
        return ptr;
    }

    void freePinned(Pointer ptr) {
        if (ptr != null && pinned.remove(ptr)) {
            cuMemFreeHost(ptr);
        }
    }

    /** A native-order view of {@code bytes} of pinned memory. */
    static ByteBuffer view(Pointer ptr, long bytes) {
        return ptr.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Frees everything, device buffers first, going on past failures (after a sticky error every
     * call fails, yet the memory must still go). Returns {@code first} if it is not null, else the
     * first failure here, else null.
     */
    RuntimeException freeAll(RuntimeException first) {
        for (CUdeviceptr ptr : List.copyOf(device)) {
            try {
                backend.free(ptr);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        device.clear();
        for (Pointer ptr : List.copyOf(pinned)) {
            try {
                cuMemFreeHost(ptr);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        pinned.clear();
        return first;
    }
}
