package org.specdec.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the writer writes, the reader reads back: exactly, after the dtype's rounding. */
class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    static final String CONFIG = MalformedCheckpointTest.CONFIG;

    static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-6, 5)));
        }
        v[0] = 0f;
        v[1] = -0f;
        v[2] = 65504f; // largest half
        return v;
    }

    static float rounded(float f, DType d) {
        return switch (d) {
            case F32 -> f;
            case F16 -> HalfFloats.f16ToFloat(HalfFloats.floatToF16(f));
            case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(f));
        };
    }

    @ParameterizedTest(name = "{0}, shard size {1}")
    @CsvSource({"F32, 0", "F16, 0", "BF16, 0", "F32, 300", "F16, 100", "BF16, 100"})
    void writtenTensorsReadBackExactly(DType dtype, long shardBytes) throws IOException {
        Files.writeString(dir.resolve("config.json"), CONFIG);
        float[] embed = values(4 * 8, 1);
        float[] norm = values(8, 2);
        float[] q = values(8 * 8, 3);
        SafetensorsWriter w = new SafetensorsWriter(dir, dtype, shardBytes);
        w.add("model.embed_tokens.weight", new long[] {4, 8}, embed);
        w.add("model.norm.weight", new long[] {8}, norm);
        w.add("model.layers.0.self_attn.q_proj.weight", new long[] {8, 8}, q);
        SafetensorsWriter.Result result = w.finish();
        assertEquals(104L * dtype.bytes(), result.tensorBytes());
        assertEquals(104, result.parameters());
        boolean sharded = shardBytes > 0;
        assertEquals(sharded, Files.exists(dir.resolve(Checkpoint.INDEX_FILE)));
        assertEquals(!sharded, Files.exists(dir.resolve(Checkpoint.SINGLE_FILE)));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left");
        }

        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(3, ck.tensorNames().size());
            assertEquals(104L * dtype.bytes(), ck.weightBytes());
            assertTrue(ck.name().matches(dir.getFileName() + "@[0-9a-f]{8}"), ck.name());
            check(ck.tensor("model.embed_tokens.weight", 4, 8), embed, dtype);
            check(ck.tensor("model.norm.weight", 8), norm, dtype);
            check(ck.tensor("model.layers.0.self_attn.q_proj.weight", 8, 8), q, dtype);
        }
    }

    private static void check(WeightTensor t, float[] expected, DType dtype) {
        assertEquals(dtype, t.dtype());
        float[] actual = t.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(rounded(expected[i], dtype)), Float.floatToIntBits(actual[i]),
                    t.name() + "[" + i + "]");
        }
    }

    @Test
    void headerIsSpacePaddedToEightBytesWithPtMetadata() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter(dir, DType.F32);
        w.add("x", new long[] {3}, new float[] {1, 2, 3});
        w.finish();
        byte[] bytes = Files.readAllBytes(dir.resolve(Checkpoint.SINGLE_FILE));
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"x\":{\"dtype\":\"F32\",\"shape\":[3],"
                + "\"data_offsets\":[0,12]}}"), header);
        String padding = header.substring(header.stripTrailing().length());
        assertTrue(padding.chars().allMatch(c -> c == ' ') && padding.length() < 8, "padding: '" + padding + "'");
        assertEquals(8 + n + 12, bytes.length);
    }

    @Test
    void shardedWriteProducesHuggingFaceIndex() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter(dir, DType.F32, 40);
        for (int i = 0; i < 3; i++) {
            w.add("t" + i, new long[] {8}, new float[8]);
        }
        w.finish();
        String index = Files.readString(dir.resolve(Checkpoint.INDEX_FILE));
        assertTrue(index.contains("\"total_size\" : 96"), index);
        assertTrue(index.contains("\"t2\" : \"model-00003-of-00003.safetensors\""), index);
        assertTrue(Files.exists(dir.resolve("model-00001-of-00003.safetensors")));
    }

    @Test
    void copiedTensorKeepsItsBytes() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        SafetensorsWriter w = new SafetensorsWriter(a, DType.BF16);
        w.add("x", new long[] {2, 3}, values(6, 9));
        w.finish();
        try (SafetensorsFile f = SafetensorsFile.open(a.resolve(Checkpoint.SINGLE_FILE))) {
            SafetensorsWriter copy = new SafetensorsWriter(b, DType.F32);
            copy.add("x", f.tensor("x"));
            copy.finish();
        }
        assertArrayEquals(Files.readAllBytes(a.resolve(Checkpoint.SINGLE_FILE)),
                Files.readAllBytes(b.resolve(Checkpoint.SINGLE_FILE)));
    }

    /**
     * A tensor beyond the 2 GB offset, in a sparse file: the length is set, only the header and
     * the tensor's bytes are written, so the test costs a few KB of disk.
     */
    @Test
    void tensorBeyondTwoGigabytesInSparseFile() throws IOException {
        long gap = 2_200_000_000L;
        int rows = 3;
        int cols = 5;
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"pad\":{\"dtype\":\"BF16\",\"shape\":[1100,1000000],\"data_offsets\":[0," + gap + "]},"
                + "\"far\":{\"dtype\":\"F32\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[" + gap + ","
                + (gap + rows * cols * 4) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("big.safetensors");
        long dataStart = 8 + h.length;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataStart + gap + rows * cols * 4);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.seek(dataStart + gap);
            ByteBuffer data = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows * cols; i++) {
                data.putFloat(i * 1.5f - 3);
            }
            raf.write(data.array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            WeightTensor far = f.tensor("far");
            for (int i = 0; i < rows * cols; i++) {
                assertEquals(i * 1.5f - 3, far.get(i / cols, i % cols));
            }
            // The 2.2 GB tensor before it is mapped as ~1 GB blocks of whole (2 MB) rows.
            WeightTensor pad = f.tensor("pad");
            assertEquals(3, pad.blockCount());
            assertEquals(536, pad.rowsPerBlock());
            assertEquals(0f, pad.get(1099, 999_999));
        }
    }
}
