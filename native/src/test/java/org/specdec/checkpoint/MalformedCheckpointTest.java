package org.specdec.checkpoint;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.specdec.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Untrusted model files: each malformed input fails with a CheckpointException that says what is wrong. */
class MalformedCheckpointTest {
    @TempDir
    Path dir;

    /** A safetensors file: 8-byte length, header, then {@code dataBytes} zero bytes. */
    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array();
    }

    static byte[] withLength(long headerLength, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).put(h).array();
    }

    static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape
                + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    record FileCase(String what, byte[] bytes, String fragment) {
        @Override
        public String toString() {
            return what;
        }
    }

    static Stream<FileCase> malformedFiles() {
        String ok = tensor("a", "F32", "[2,2]", 0, 16);
        return Stream.of(
                new FileCase("shorter than 8 bytes", new byte[5], "shorter than the 8-byte"),
                new FileCase("header length beyond file", withLength(1000, "{}"), "beyond the end of the file"),
                new FileCase("data section shorter than offsets", file("{" + ok + "}", 10), "beyond the data section"),
                new FileCase("huge header length", withLength(1L << 62, "{}"), "exceeds the 100 MB limit"),
                new FileCase("header length above 2^63", withLength(-8, "{}"), "exceeds the 100 MB limit"),
                new FileCase("non-JSON header", file("{not json", 0), "not valid JSON"),
                new FileCase("JSON array header", file("[1,2]", 0), "must be a JSON object, got array"),
                new FileCase("out-of-range offsets", file("{" + tensor("a", "F32", "[2,2]", 16, 32) + "}", 16),
                        "'a': data_offsets end 32 is beyond the data section"),
                new FileCase("begin > end", file("{" + tensor("a", "F32", "[0]", 8, 4) + "}", 16),
                        "'a': data_offsets begin 8 > end 4"),
                new FileCase("overlapping tensors", file("{" + ok + "," + tensor("b", "F32", "[2]", 8, 16) + "}", 16),
                        "tensor 'b' [8, 16) overlaps tensor 'a' [0, 16)"),
                new FileCase("wrong byte count for dtype", file("{" + tensor("a", "BF16", "[2,2]", 0, 16) + "}", 16),
                        "'a': data_offsets span 16 bytes but BF16[2, 2] needs 8 bytes"),
                new FileCase("unsupported dtype I64", file("{" + tensor("ids", "I64", "[2]", 0, 16) + "}", 16),
                        "tensor 'ids': unsupported dtype 'I64'"),
                new FileCase("unsupported dtype F8", file("{" + tensor("q", "F8_E4M3", "[2]", 0, 2) + "}", 2),
                        "tensor 'q': unsupported dtype 'F8_E4M3'"),
                new FileCase("negative shape", file("{" + tensor("a", "F32", "[-1,4]", 0, 16) + "}", 16),
                        "'a': negative dimension in shape [-1, 4]"),
                new FileCase("shape overflows", file("{" + tensor("a", "F32", "[4611686018427387904,4]", 0, 16) + "}", 16),
                        "'a': shape [4611686018427387904, 4] overflows"),
                new FileCase("non-integer shape", file("{" + tensor("a", "F32", "[\"x\"]", 0, 4) + "}", 4),
                        "'shape' element 0 is not an integer"),
                new FileCase("missing dtype", file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                        "'a': missing or non-string 'dtype'"),
                new FileCase("duplicate tensor", file("{" + ok + "," + ok + "}", 16), "not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void malformedSafetensorsFileIsRejected(FileCase c) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, c.bytes());
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains(c.fragment()), () -> "message: " + e.getMessage());
        assertTrue(e.getMessage().contains(f.toString()), () -> "should name the file: " + e.getMessage());
    }

    static final String CONFIG = """
            {"architectures":["LlamaForCausalLM"],"hidden_size":8,"intermediate_size":16,
             "num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":1,"vocab_size":4,
             "bos_token_id":1,"eos_token_id":2}
            """;

    /** A model directory setup and the fragment its opening or reading must fail with. */
    record DirCase(String what, DirSetup setup, String fragment) {
        @Override
        public String toString() {
            return what;
        }
    }

    interface DirSetup {
        void apply(Path dir) throws IOException;
    }

    static void writeModel(Path dir, String config) throws IOException {
        if (config != null) {
            Files.writeString(dir.resolve("config.json"), config);
        }
        SafetensorsWriter w = new SafetensorsWriter(dir, DType.F32);
        w.add("model.embed_tokens.weight", new long[] {4, 8}, new float[32]);
        w.finish();
    }

    static Stream<DirCase> malformedDirectories() {
        return Stream.of(
                new DirCase("missing config.json", d -> writeModel(d, null), "config.json: missing"),
                new DirCase("bad config field", d -> writeModel(d, CONFIG.replace("\"hidden_size\":8", "\"hidden_size\":\"abc\"")),
                        "field 'hidden_size' must be a positive integer, got \"abc\""),
                new DirCase("no weights", d -> Files.writeString(d.resolve("config.json"), CONFIG),
                        ".bin/pickle checkpoints are never read"),
                new DirCase("index points at missing shard", d -> {
                    Files.writeString(d.resolve("config.json"), CONFIG);
                    Files.writeString(d.resolve(Checkpoint.INDEX_FILE),
                            "{\"weight_map\":{\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\"}}");
                }, "shard 'model-00001-of-00002.safetensors' (holding tensor 'model.embed_tokens.weight') is missing"),
                new DirCase("index with path traversal", d -> {
                    Files.writeString(d.resolve("config.json"), CONFIG);
                    Files.writeString(d.resolve(Checkpoint.INDEX_FILE),
                            "{\"weight_map\":{\"w\":\"../model/config.json\"}}");
                }, "shard name '../model/config.json' for tensor 'w' must be a file inside the model directory"),
                new DirCase("index with absolute path", d -> {
                    Files.writeString(d.resolve("config.json"), CONFIG);
                    Files.writeString(d.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\":{\"w\":\"/etc/passwd\"}}");
                }, "shard name '/etc/passwd' for tensor 'w' must be a file inside the model directory"),
                new DirCase("missing tensor", d -> writeModel(d, CONFIG), "tensor 'model.norm.weight' is missing"),
                new DirCase("shape disagrees with config.json", d -> writeModel(d, CONFIG),
                        "tensor 'model.embed_tokens.weight' has shape [4, 8] but config.json implies [4, 16]"
                                + " (the weights disagree with config.json)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedDirectories")
    void malformedModelDirectoryIsRejected(DirCase c) throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        c.setup().apply(model);
        CheckpointException e = assertThrows(CheckpointException.class, () -> {
            try (Checkpoint ck = Checkpoint.open(model)) {
                if (c.what().equals("missing tensor")) {
                    ck.tensor("model.norm.weight", 8);
                } else {
                    ck.tensor("model.embed_tokens.weight", 4, 16);
                }
            }
        });
        assertTrue(e.getMessage().contains(c.fragment()), () -> "message: " + e.getMessage());
    }
}
