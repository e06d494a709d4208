package org.specdec.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.specdec.backend.AcceptanceRows;
import org.specdec.sampling.SamplingParams;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.specdec.backend.cuda.KernelArgs.i;
import static org.specdec.backend.cuda.KernelArgs.p;

/**
 * The acceptance step of one runner on the device: stages each row's drafts, sampling parameters,
 * uniforms and draft distributions q in pinned memory, copies them up with three async copies,
 * runs {@code accept_tokens} over the logits the pass left on the device (accept.cuh), and copies
 * back only the accepted ids and counts. Buffers grow with the largest (rows, k, draft vocabulary)
 * seen and are owned by the runner's {@link OwnedBuffers}.
 *
 * <p>Layouts, with kStride = the step's largest k (at least 1) and {@code rowCap} the row capacity:
 * <ul>
 *   <li>ints: rowInfo {@code [rowCap][4]} = (first logit row, k, greedy, top-k), then drafts
 *       {@code [rows][kStride]}; the results come back through the same pinned buffer, out
 *       {@code [rows][kStride+1]} then accepted {@code [rows]};</li>
 *   <li>floats: {@code [rowCap][2]} = (temperature, top-p), then uniforms {@code [rows][2 (kStride+1)]},
 *       two per position, drawn from the row's own generator so that its draws never depend on its
 *       batch neighbours;</li>
 *   <li>q: {@code [rows][kStride][draftVocab]}, copied only when a sampled row drafted.</li>
 * </ul>
 */
final class AcceptanceStaging {
    private final CudaBackend backend;
    private final OwnedBuffers buffers;
    private final int vocab;

    private int rowCap;
    private int kCap;
    private int qCap;
    private CUdeviceptr rowInts;
    private CUdeviceptr rowFloats;
    private CUdeviceptr draftProbs;
    private CUdeviceptr scratch;
    private CUdeviceptr outTokens;
    private CUdeviceptr acceptedCounts;
    private Pointer hostIntsPtr;
    private Pointer hostFloatsPtr;
    private Pointer hostQPtr;
    private IntBuffer hostInts;
    private FloatBuffer hostFloats;
    private FloatBuffer hostQ;

    /** @param vocab the target's vocabulary: the width of each logit row */
    AcceptanceStaging(CudaBackend backend, OwnedBuffers buffers, int vocab) {
        this.backend = backend;
        this.buffers = buffers;
        this.vocab = vocab;
    }

    /**
     * Decides every row of {@code rows} from {@code logits} ({@code [Σ (k+1)][vocab]}, in row
     * order, already enqueued on the backend's stream) and fills {@code rows.out} and
     * {@code rows.accepted}. Synchronizes the stream once, at the end.
     */
    void accept(CUdeviceptr logits, AcceptanceRows rows) {
        int nr = rows.rows;
        int kStride = 1;
        boolean sampled = false;
        for (int r = 0; r < nr; r++) {
            kStride = Math.max(kStride, rows.k[r]);
            sampled |= !rows.params[r].isGreedy() && rows.k[r] > 0;
        }
        ensure(nr, kStride, sampled ? rows.draftVocab : 0);
        int draftsAt = 4 * rowCap;
        int uniformsAt = 2 * rowCap;
        int first = 0;
        for (int r = 0; r < nr; r++) {
            SamplingParams sp = rows.params[r];
            int k = rows.k[r];
            hostInts.put(4 * r, first);
            hostInts.put(4 * r + 1, k);
            hostInts.put(4 * r + 2, sp.isGreedy() ? 1 : 0);
            hostInts.put(4 * r + 3, sp.topK());
            hostFloats.put(2 * r, (float) sp.temperature());
            hostFloats.put(2 * r + 1, (float) sp.topP());
            for (int i = 0; i < k; i++) {
                hostInts.put(draftsAt + r * kStride + i, rows.drafts[r][i]);
            }
            if (!sp.isGreedy()) {
                int ub = uniformsAt + r * 2 * (kStride + 1);
                for (int i = 0; i < 2 * (k + 1); i++) {
                    hostFloats.put(ub + i, uniform(rows.rng[r].nextDouble()));
                }
                if (k > 0) {
                    hostQ.position(r * kStride * rows.draftVocab);
                    hostQ.put(rows.q[r], 0, k * rows.draftVocab);
                }
            }
            first += k + 1;
        }
        cuMemcpyHtoDAsync(rowInts, hostIntsPtr, (long) (draftsAt + nr * kStride) * Integer.BYTES, backend.stream());
        cuMemcpyHtoDAsync(rowFloats, hostFloatsPtr, (long) (uniformsAt + nr * 2 * (kStride + 1)) * Float.BYTES,
                backend.stream());
        if (sampled) {
            cuMemcpyHtoDAsync(draftProbs, hostQPtr, (long) nr * kStride * rows.draftVocab * Float.BYTES,
                    backend.stream());
        }
        backend.launch("accept_tokens", nr, 1, 1, 1024, p(logits), i(vocab), p(rowInts), p(rowFloats),
                p(rowInts.withByteOffset((long) draftsAt * Integer.BYTES)), i(kStride), p(draftProbs),
                i(Math.max(1, rows.draftVocab)), p(rowFloats.withByteOffset((long) uniformsAt * Float.BYTES)),
                p(scratch), p(outTokens), p(acceptedCounts));
        // Results come back through the (now free) int staging buffer: out [nr][kStride+1], accepted [nr].
        int outInts = nr * (kStride + 1);
        cuMemcpyDtoHAsync(hostIntsPtr, outTokens, (long) outInts * Integer.BYTES, backend.stream());
        cuMemcpyDtoHAsync(hostIntsPtr.withByteOffset((long) outInts * Integer.BYTES), acceptedCounts,
                (long) nr * Integer.BYTES, backend.stream());
        cuStreamSynchronize(backend.stream());
        for (int r = 0; r < nr; r++) {
            int acc = hostInts.get(outInts + r);
            rows.accepted[r] = acc;
            for (int i = 0; i <= acc; i++) {
                rows.out[r][i] = hostInts.get(r * (kStride + 1) + i);
            }
        }
    }

    /** A double uniform in [0, 1) as a float strictly below 1. */
    static float uniform(double u) {
        return Math.min((float) u, 0x1.fffffep-1f);
    }

    private void ensure(int nr, int kStride, int qVocab) {
        if (nr > rowCap || kStride > kCap) {
            int rc = Math.max(nr, rowCap);
            int kc = Math.max(kStride, kCap);
            for (CUdeviceptr ptr : new CUdeviceptr[] {rowInts, rowFloats, scratch, outTokens, acceptedCounts}) {
                buffers.free(ptr);
            }
            buffers.freePinned(hostIntsPtr);
            buffers.freePinned(hostFloatsPtr);
            long infoInts = 4L * rc + (long) rc * kc + (long) rc * (kc + 2);  // also holds the results
            long fFloats = 2L * rc + 2L * rc * (kc + 1);
            rowInts = buffers.device(infoInts * Integer.BYTES);
            rowFloats = buffers.device(fFloats * Float.BYTES);
            scratch = buffers.device((long) rc * vocab * Float.BYTES);
            outTokens = buffers.device((long) rc * (kc + 1) * Integer.BYTES);
            acceptedCounts = buffers.device((long) rc * Integer.BYTES);
            hostIntsPtr = buffers.pinned(infoInts * Integer.BYTES);
            hostInts = OwnedBuffers.view(hostIntsPtr, infoInts * Integer.BYTES).asIntBuffer();
            hostFloatsPtr = buffers.pinned(fFloats * Float.BYTES);
            hostFloats = OwnedBuffers.view(hostFloatsPtr, fFloats * Float.BYTES).asFloatBuffer();
            rowCap = rc;
            kCap = kc;
            qCap = 0;  // q is laid out by kStride: reallocate with the new shape
        }
        long qFloats = (long) rowCap * kCap * Math.max(1, qVocab);
        if (draftProbs == null || qFloats > qCap) {
            buffers.free(draftProbs);
            buffers.freePinned(hostQPtr);
            draftProbs = buffers.device(qFloats * Float.BYTES);
            hostQPtr = buffers.pinned(qFloats * Float.BYTES);
            hostQ = OwnedBuffers.view(hostQPtr, qFloats * Float.BYTES).asFloatBuffer();
            qCap = (int) Math.min(Integer.MAX_VALUE, qFloats);
        }
    }
}
