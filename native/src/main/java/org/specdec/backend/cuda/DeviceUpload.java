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
     * are {@code dstPitch} bytes apart, starting at row {@code rowBase}: one pitched copy per row
     * block of the tensor, read directly from the mapped file.
     */
    static void rows(WeightTensor t, CUdeviceptr dst, int rowBase, long dstPitch) {
        long rowBytes = (long) t.cols() * t.dtype().bytes();
        for (int blk = 0; blk < t.blockCount(); blk++) {
            int firstRow = blk * t.rowsPerBlock();
            int rows = Math.min(t.rowsPerBlock(), t.rows() - firstRow);
            ByteBuffer slice = t.blockOf(firstRow).duplicate().slice();  // the block's first byte at offset 0
            CUDA_MEMCPY2D c = new CUDA_MEMCPY2D();
            c.srcMemoryType = CUmemorytype.CU_MEMORYTYPE_HOST;
            c.srcHost = Pointer.to(slice);
            c.srcPitch = rowBytes;
            c.dstMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
            c.dstDevice = dst.withByteOffset((long) (rowBase + firstRow) * dstPitch);
            c.dstPitch = dstPitch;
            c.WidthInBytes = rowBytes;
            c.Height = rows;
            cuMemcpy2D(c);
        }
    }

    /** A small F32 vector (norm weights, biases, RoPE frequencies) on the device. */
    static CUdeviceptr floats(CudaBackend b, float[] v) {
        CUdeviceptr p = b.allocZeroed((long) v.length * Float.BYTES);
        cuMemcpyHtoD(p, Pointer.to(v), (long) v.length * Float.BYTES);
        return p;
    }
}
