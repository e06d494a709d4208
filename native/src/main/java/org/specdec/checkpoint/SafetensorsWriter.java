package org.specdec.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.specdec.tensor.DType;
import org.specdec.tensor.HalfFloats;
import org.specdec.tensor.WeightTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes tensors into a model directory as {@code model.safetensors}, or, when a shard size is
 * given and exceeded, as {@code model-0000i-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json}, the way Hugging Face does.
 *
 * <p>Tensors are added one at a time and streamed to a temporary data file per shard, so memory
 * holds at most one tensor. The header must precede the data but lists every tensor, so
 * {@link #finish()} writes it and then appends the shard's data with a channel transfer.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    /** A finished write: which files hold how many bytes of tensors. */
    public record Result(List<Path> files, long tensorBytes, long parameters) {}

    private record Pending(String name, DType dtype, long[] shape, long begin, long end) {}

    private static final class Shard {
        final Path tmp;
        final FileChannel data;
        final List<Pending> tensors = new ArrayList<>();
        long size;

        Shard(Path tmp) throws IOException {
            this.tmp = tmp;
            this.data = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, StandardOpenOption.READ);
        }
    }

    private final Path dir;
    private final DType defaultDtype;
    private final long maxShardBytes;
    private final List<Shard> shards = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private long parameters;
    private boolean finished;

    /**
     * @param maxShardBytes start a new shard when adding a tensor would push the current one
     *                      past this size; {@code Long.MAX_VALUE} (or <= 0) writes a single file
     */
    public SafetensorsWriter(Path dir, DType defaultDtype, long maxShardBytes) {
        this.dir = dir;
        this.defaultDtype = defaultDtype;
        this.maxShardBytes = maxShardBytes <= 0 ? Long.MAX_VALUE : maxShardBytes;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot create directory: " + e, e);
        }
    }

    /** A writer for one {@code model.safetensors}. */
    public SafetensorsWriter(Path dir, DType defaultDtype) {
        this(dir, defaultDtype, Long.MAX_VALUE);
    }

    /** Adds a tensor in the writer's dtype. */
    public void add(String name, long[] shape, float[] data) {
        add(name, shape, data, defaultDtype);
    }

    /** Adds a tensor, converting F32 values to {@code dtype} (round-to-nearest-even). */
    public void add(String name, long[] shape, float[] data, DType dtype) {
        long count = checkNew(name, shape);
        if (count != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " has "
                    + count + " elements, data has " + data.length);
        }
        Shard s = shardFor(count * dtype.bytes());
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long begin = s.size;
        try {
            for (float v : data) {
                if (buf.remaining() < 4) {
                    flush(s, buf);
                }
                switch (dtype) {
                    case F32 -> buf.putFloat(v);
                    case F16 -> buf.putShort(HalfFloats.floatToF16(v));
                    case BF16 -> buf.putShort(HalfFloats.floatToBf16(v));
                }
            }
            flush(s, buf);
        } catch (IOException e) {
            throw new CheckpointException(s.tmp + ": write failed: " + e, e);
        }
        record(s, name, dtype, shape, begin, count);
    }

    /** Adds a copy of an existing tensor's bytes (same dtype: no rounding), e.g. for self-drafts. */
    public void add(String name, WeightTensor t) {
        long[] shape = t.shape();
        long count = checkNew(name, shape);
        Shard s = shardFor(t.byteSize());
        long begin = s.size;
        try {
            int rowBytes = t.cols() * t.dtype().bytes();
            // Runs of back-to-back rows; a column slice's rows are written one at a time.
            for (int r = 0; r < t.rows(); ) {
                int n = t.contiguousRows() ? t.rowsInBlockFrom(r) : 1;
                ByteBuffer b = t.blockOf(r).slice(t.byteOffsetInBlock(r), n * rowBytes);
                while (b.hasRemaining()) {
                    s.size += s.data.write(b);
                }
                r += n;
            }
        } catch (IOException e) {
            throw new CheckpointException(s.tmp + ": write failed: " + e, e);
        }
        record(s, name, t.dtype(), shape, begin, count);
    }

    private long checkNew(String name, long[] shape) {
        if (finished) {
            throw new IllegalStateException("writer for " + dir + " is finished");
        }
        if (name == null || name.isEmpty() || name.equals("__metadata__") || !names.add(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is empty, reserved or already written");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private void record(Shard s, String name, DType dtype, long[] shape, long begin, long count) {
        s.tensors.add(new Pending(name, dtype, shape.clone(), begin, s.size));
        parameters += count;
    }

    private Shard shardFor(long bytes) {
        Shard cur = shards.isEmpty() ? null : shards.get(shards.size() - 1);
        if (cur == null || (cur.size > 0 && cur.size + bytes > maxShardBytes)) {
            try {
                cur = new Shard(dir.resolve(".shard-" + (shards.size() + 1) + ".data.tmp"));
            } catch (IOException e) {
                throw new CheckpointException(dir + ": cannot create a temporary shard file: " + e, e);
            }
            shards.add(cur);
        }
        return cur;
    }

    private static void flush(Shard s, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            s.size += s.data.write(buf);
        }
        buf.clear();
    }

    /** Writes the headers, the shard files and (when sharded) the index. */
    public Result finish() {
        if (finished) {
            throw new IllegalStateException("writer for " + dir + " is already finished");
        }
        finished = true;
        if (shards.isEmpty()) {
            shardFor(0);
        }
        int n = shards.size();
        List<Path> files = new ArrayList<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        try {
            for (int i = 0; i < n; i++) {
                Shard s = shards.get(i);
                String fileName = n == 1 ? Checkpoint.SINGLE_FILE
                        : String.format("model-%05d-of-%05d.safetensors", i + 1, n);
                Path file = dir.resolve(fileName);
                writeShard(s, file);
                files.add(file);
                total += s.size;
                for (Pending p : s.tensors) {
                    weightMap.put(p.name(), fileName);
                }
            }
            if (n > 1) {
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", total);
                ObjectNode wm = index.putObject("weight_map");
                weightMap.forEach(wm::put);
                Path indexFile = dir.resolve(Checkpoint.INDEX_FILE);
                Files.writeString(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
                files.add(indexFile);
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": write failed: " + e, e);
        } finally {
            close();
        }
        return new Result(List.copyOf(files), total, parameters);
    }

    private static void writeShard(Shard s, Path file) throws IOException {
        ObjectNode h = JSON.createObjectNode();
        h.putObject("__metadata__").put("format", "pt");
        for (Pending p : s.tensors) {
            ObjectNode t = h.putObject(p.name());
            t.put("dtype", p.dtype().safetensorsName());
            ArrayNode shape = t.putArray("shape");
            for (long d : p.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(p.begin()).add(p.end());
        }
        byte[] json = JSON.writeValueAsBytes(h);
        // Pad with spaces so the data section starts 8-byte aligned, as the format recommends.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) {
                out.write(head);
            }
            long pos = 0;
            while (pos < s.size) {
                pos += s.data.transferTo(pos, s.size - pos, out);
            }
        }
    }

    /** Removes temporary files; a writer closed before {@link #finish()} leaves no model files. */
    @Override
    public void close() {
        finished = true;
        for (Shard s : shards) {
            try {
                s.data.close();
                Files.deleteIfExists(s.tmp);
            } catch (IOException ignored) {
                // best effort: a leftover temporary file does not affect the model
            }
        }
    }
}
