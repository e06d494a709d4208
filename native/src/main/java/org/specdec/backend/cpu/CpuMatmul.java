package org.specdec.backend.cpu;

import org.specdec.tensor.WeightTensor;

/**
 * out[m][j] = x[m] . W[j] (+ bias[j]) for all M input rows and a range of output rows j: a GEMM
 * against a weight stored as {@code [out_features, in_features]}. Each weight row is converted
 * once into L1 and reused for every input row (verification reads each weight once for all
 * k+1 positions of all rows, not k+1 times).
 */
final class CpuMatmul {
    private CpuMatmul() {}

    static void rows(WeightTensor w, int jFrom, int jTo, float[] x, int m, float[] bias, float[] out, int outStride,
                     int outCol, WeightRowReader reader) {
        int n = w.cols();
        float[] wr = reader.row;
        for (int j = jFrom; j < jTo; j++) {
            reader.load(w, j);
            int col = outCol + j;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                VectorMath.dot4(wr, x, i * n, (i + 1) * n, (i + 2) * n, (i + 3) * n, n, out,
                        i * outStride + col, (i + 1) * outStride + col, (i + 2) * outStride + col,
                        (i + 3) * outStride + col);
            }
            for (; i < m; i++) {
                out[i * outStride + col] = VectorMath.dot(wr, 0, x, i * n, n);
            }
            if (bias != null) {
                float bj = bias[j];
                for (int r = 0; r < m; r++) {
                    out[r * outStride + col] += bj;
                }
            }
        }
    }
}
