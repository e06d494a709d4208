package org.specdec.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Overwrites F32 weights of a single-file safetensors checkpoint with NaN, as a broken export would. */
public final class NaNWeights {
    private NaNWeights() {}

    /** Every tensor of {@code modelDir/model.safetensors} becomes NaN. */
    public static void all(Path modelDir) {
        try (RandomAccessFile f = new RandomAccessFile(modelDir.resolve("model.safetensors").toFile(), "rw")) {
            long dataStart = 8 + headerLength(f);
            fill(f, dataStart, (f.length() - dataStart) / 4);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Elements {@code [from, from + count)} of one F32 tensor become NaN. */
    public static void elements(Path modelDir, String tensor, long from, long count) {
        try (RandomAccessFile f = new RandomAccessFile(modelDir.resolve("model.safetensors").toFile(), "rw")) {
            long headerLength = headerLength(f);
            byte[] header = new byte[(int) headerLength];
            f.seek(8);
            f.readFully(header);
            JsonNode t = new ObjectMapper().readTree(header).get(tensor);
            if (t == null || !"F32".equals(t.path("dtype").asText())) {
                throw new IllegalArgumentException("no F32 tensor " + tensor + " in " + modelDir);
            }
            long begin = t.path("data_offsets").get(0).asLong();
            fill(f, 8 + headerLength + begin + 4 * from, count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long headerLength(RandomAccessFile f) throws IOException {
        byte[] len = new byte[8];
        f.seek(0);
        f.readFully(len);
        return ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void fill(RandomAccessFile f, long offset, long floats) throws IOException {
        ByteBuffer nan = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        while (nan.hasRemaining()) {
            nan.putFloat(Float.NaN);
        }
        f.seek(offset);
        long bytes = floats * 4;
        while (bytes > 0) {
            int n = (int) Math.min(bytes, nan.capacity());
            f.write(nan.array(), 0, n);
            bytes -= n;
        }
    }
}
