package org.specdec.checkpoint;

import org.specdec.tensor.WeightTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One safetensors file whose tensors are memory-mapped read-only on demand. Each tensor gets its
 * own mapping (so files beyond 2 GB work), split into blocks of whole rows when the tensor is
 * larger than {@link #MAX_BLOCK_BYTES}, because one {@link ByteBuffer} addresses at most 2 GB.
 * Mappings stay valid while this object (or a tensor taken from it) is reachable; the JDK unmaps
 * them when they are garbage-collected.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** About 1 GB: well below the 2 GB ByteBuffer limit, and few blocks for real tensors. */
    static final long MAX_BLOCK_BYTES = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    private final Map<String, WeightTensor> mapped = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    public static SafetensorsFile open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open: " + e, e);
        }
        try {
            return new SafetensorsFile(file, ch, SafetensorsHeader.read(file, ch));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new CheckpointException(file + ": cannot read header: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    public Path path() { return path; }
    public SafetensorsHeader header() { return header; }
    public Set<String> tensorNames() { return header.entries().keySet(); }

    /** The tensor, mapped on first use; null when this file does not hold it. */
    public WeightTensor tensor(String name) {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        SafetensorsHeader.Entry e = header.entry(name);
        if (e == null) {
            return null;
        }
        return mapped.computeIfAbsent(name, n -> map(e));
    }

    private WeightTensor map(SafetensorsHeader.Entry e) {
        long[] shape = e.shape();
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        long rows = e.elementCount() / Math.max(1, cols);
        if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new CheckpointException(path + ": tensor '" + e.name() + "' shape " + Arrays.toString(shape)
                    + " has more than 2^31 rows or columns");
        }
        long rowBytes = cols * e.dtype().bytes();
        if (rowBytes > MAX_BLOCK_BYTES) {
            throw new CheckpointException(path + ": tensor '" + e.name() + "' has rows of " + rowBytes
                    + " bytes; rows above 1 GB are not supported");
        }
        int rowsPerBlock = rowBytes == 0 ? (int) Math.max(1, rows) : (int) Math.max(1, Math.min(rows, MAX_BLOCK_BYTES / rowBytes));
        List<ByteBuffer> blocks = new ArrayList<>();
        long start = header.dataStart() + e.begin();
        try {
            if (e.byteSize() == 0) {
                blocks.add(ByteBuffer.allocate(0));
            }
            for (long r = 0; r < rows && rowBytes > 0; r += rowsPerBlock) {
                long n = Math.min(rowsPerBlock, rows - r);
                blocks.add(channel.map(FileChannel.MapMode.READ_ONLY, start + r * rowBytes, n * rowBytes));
            }
        } catch (IOException ex) {
            throw new CheckpointException(path + ": cannot map tensor '" + e.name() + "': " + ex, ex);
        }
        return new WeightTensor(e.name(), e.dtype(), shape, rowsPerBlock, blocks);
    }

    /**
     * Closes the channel. Tensors already handed out stay readable (a mapping outlives its
     * channel) until they are garbage-collected.
     */
    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do: the file was only read
        }
    }
}
