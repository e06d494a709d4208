package org.specdec.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUDA_MEMCPY2D;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUmemorytype;
import org.specdec.tensor.WeightTensor;

import java.nio.ByteBuffer;

import static jcuda.driver.JCudaDriver.cuMemcpy2D;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

/** Host-to-device copies of weights, straight from the memory-mapped safetensors buffers. */
final class DeviceUpload {
    private DeviceUpload() {}

    /**
     * Copies every row of {@code t} (its stored dtype, unconverted) into a device matrix whose rows
     * are {@code dstPitch} bytes apart, starting at row {@code rowBase}: one pitched copy per run of
     * rows within a block of the tensor, read directly from the mapped file.
     */
    static void rows(WeightTensor t, CUdeviceptr dst, int rowBase, long dstPitch) {
        long rowBytes = (long) t.cols() * t.dtype().bytes();
        for (int row = 0; row < t.rows(); ) {
            int rows = t.rowsInBlockFrom(row);
            // The row's first byte at offset 0; a slice's rows lie rowPitchBytes() apart.
            ByteBuffer slice = t.blockOf(row).duplicate().slice().position(t.byteOffsetInBlock(row)).slice();
            CUDA_MEMCPY2D c = new CUDA_MEMCPY2D();
            c.srcMemoryType = CUmemorytype.CU_MEMORYTYPE_HOST;
            c.srcHost = Pointer.to(slice);
            c.srcPitch = t.rowPitchBytes();
            c.dstMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
            c.dstDevice = dst.withByteOffset((long) (rowBase + row) * dstPitch);
            c.dstPitch = dstPitch;
            c.WidthInBytes = rowBytes;
            c.Height = rows;
            cuMemcpy2D(c);
            row += rows;
        }
    }

    /** A small F32 vector (norm weights, biases, RoPE frequencies) on the device. */
    static CUdeviceptr floats(CudaBackend b, float[] v) {
        CUdeviceptr p = b.allocZeroed((long) v.length * Float.BYTES);
        cuMemcpyHtoD(p, Pointer.to(v), (long) v.length * Float.BYTES);
        return p;
    }
}
