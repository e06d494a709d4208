package org.specdec.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.specdec.tensor.WeightTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Hugging Face model directory: {@code config.json} plus {@code model.safetensors} or the
 * shards listed by {@code model.safetensors.index.json}. Weights are memory-mapped, never copied
 * onto the heap. Pickle ({@code .bin}) checkpoints are never read: unpickling executes code.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final ModelConfig config;
    /** Shard file name -> open file, in a stable (sorted) order for hashing. */
    private final Map<String, SafetensorsFile> shards;
    /** Tensor name -> the shard that holds it. */
    private final Map<String, SafetensorsFile> tensorShard;
    private final String name;

    private Checkpoint(Path directory, ModelConfig config, Map<String, SafetensorsFile> shards,
                       Map<String, SafetensorsFile> tensorShard) {
        this.directory = directory;
        this.config = config;
        this.shards = shards;
        this.tensorShard = tensorShard;
        this.name = directoryName(directory) + "@" + fingerprint();
    }

    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a directory (expected a Hugging Face model directory)");
        }
        ModelConfig config = ModelConfig.read(dir);
        Map<String, SafetensorsFile> shards = new TreeMap<>();
        Map<String, SafetensorsFile> tensorShard = new LinkedHashMap<>();
        try {
            Path single = dir.resolve(SINGLE_FILE);
            Path index = dir.resolve(INDEX_FILE);
            if (Files.isRegularFile(single)) {
                SafetensorsFile f = SafetensorsFile.open(single);
                shards.put(SINGLE_FILE, f);
                f.tensorNames().forEach(t -> tensorShard.put(t, f));
            } else if (Files.isRegularFile(index)) {
                openShards(dir, index, shards, tensorShard);
            } else {
                throw new CheckpointException(dir + ": no " + SINGLE_FILE + " or " + INDEX_FILE
                        + " (weights must be safetensors; .bin/pickle checkpoints are never read because loading"
                        + " them executes code: convert them with safetensors' convert tool)");
            }
            return new Checkpoint(dir, config, Collections.unmodifiableMap(shards),
                    Collections.unmodifiableMap(tensorShard));
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static void openShards(Path dir, Path index, Map<String, SafetensorsFile> shards,
                                   Map<String, SafetensorsFile> tensorShard) {
        JsonNode root = ModelConfig.readJson(index);
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject() || map.size() == 0) {
            throw new CheckpointException(index + ": missing or empty object 'weight_map'");
        }
        Path base = dir.toAbsolutePath().normalize();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            String tensor = m.getKey();
            if (!m.getValue().isTextual()) {
                throw new CheckpointException(index + ": weight_map entry for tensor '" + tensor + "' is not a file name");
            }
            String shardName = m.getValue().asText();
            SafetensorsFile shard = shards.get(shardName);
            if (shard == null) {
                Path file = resolveShard(base, index, tensor, shardName);
                if (!Files.isRegularFile(file)) {
                    throw new CheckpointException(index + ": shard '" + shardName + "' (holding tensor '" + tensor
                            + "') is missing from " + dir);
                }
                shard = SafetensorsFile.open(file);
                shards.put(shardName, shard);
            }
            if (shard.header().entry(tensor) == null) {
                throw new CheckpointException(index + ": weight_map puts tensor '" + tensor + "' in shard '"
                        + shardName + "', which does not hold it");
            }
            tensorShard.put(tensor, shard);
        }
    }

    /** Shard names come from an untrusted file: they must name a file inside the model directory. */
    private static Path resolveShard(Path base, Path index, String tensor, String shardName) {
        Path rel;
        try {
            rel = Path.of(shardName);
        } catch (RuntimeException e) {
            throw new CheckpointException(index + ": shard name '" + shardName + "' for tensor '" + tensor
                    + "' is not a valid path");
        }
        boolean traversal = false;
        for (Path part : rel) {
            traversal |= part.toString().equals("..");
        }
        Path file = base.resolve(rel).normalize();
        if (shardName.isEmpty() || rel.isAbsolute() || traversal || !file.startsWith(base)) {
            throw new CheckpointException(index + ": shard name '" + shardName + "' for tensor '" + tensor
                    + "' must be a file inside the model directory (no absolute paths or '..')");
        }
        return file;
    }

    public ModelConfig config() { return config; }
    public Path directory() { return directory; }
    public Set<String> tensorNames() { return tensorShard.keySet(); }
    public boolean hasTensor(String name) { return tensorShard.containsKey(name); }

    /** Directory name + "@" + short content hash, e.g. {@code stories260K@1a2b3c4d}. */
    public String name() { return name; }

    /** Total bytes of all tensors (what the weights occupy once mapped). */
    public long weightBytes() {
        long total = 0;
        for (Map.Entry<String, SafetensorsFile> e : tensorShard.entrySet()) {
            total += e.getValue().header().entry(e.getKey()).byteSize();
        }
        return total;
    }

    /**
     * The tensor {@code name}, checked against {@code expectedShape} (what config.json implies)
     * when one is given.
     */
    public WeightTensor tensor(String name, long... expectedShape) {
        SafetensorsFile f = tensorShard.get(name);
        if (f == null) {
            throw new CheckpointException(directory + ": tensor '" + name + "' is missing (the checkpoint has "
                    + tensorShard.size() + " tensors; is this a " + config.architecture().hfName() + " checkpoint?)");
        }
        long[] actual = f.header().entry(name).shape();
        if (expectedShape.length > 0 && !Arrays.equals(actual, expectedShape)) {
            throw new CheckpointException(f.path() + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + " but config.json implies " + Arrays.toString(expectedShape)
                    + " (the weights disagree with config.json)");
        }
        return f.tensor(name);
    }

    @Override
    public void close() {
        shards.values().forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return name + " (" + directory + ")";
    }

    private static String directoryName(Path dir) {
        Path n = dir.toAbsolutePath().normalize().getFileName();
        return n == null ? dir.toString() : n.toString();
    }

    /**
     * SHA-256 over config.json and each shard's name, size and header: it changes whenever the
     * model does, yet never reads the (multi-GB) weight bytes themselves.
     */
    private String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(directory.resolve("config.json")));
            for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) {
                sha.update(s.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update(ByteBuffer.allocate(8).putLong(0, s.getValue().header().fileSize()));
                sha.update(s.getValue().header().headerBytes());
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 8);
        } catch (IOException e) {
            throw new CheckpointException(directory + ": cannot read config.json: " + e, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }
}
