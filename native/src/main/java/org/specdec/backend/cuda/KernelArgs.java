package org.specdec.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Kernel launch arguments as the driver API takes them: a pointer to each value. The names are
 * one letter because a launch lists a dozen of them and should read like the kernel's signature:
 * p = device pointer, i = int, j = long long, f = float.
 */
final class KernelArgs {
    private KernelArgs() {}

    static Pointer p(CUdeviceptr ptr) {
        return Pointer.to(ptr);
    }

    static Pointer p(Pointer ptr) {
        return Pointer.to(ptr);
    }

    static Pointer i(int v) {
        return Pointer.to(new int[] {v});
    }

    static Pointer j(long v) {
        return Pointer.to(new long[] {v});
    }

    static Pointer f(float v) {
        return Pointer.to(new float[] {v});
    }
}
