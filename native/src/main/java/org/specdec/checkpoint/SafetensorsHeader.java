package org.specdec.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.specdec.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of a safetensors file: an 8-byte little-endian length N, N bytes of JSON
 * mapping tensor names to {dtype, shape, data_offsets}, then the data section. Model files are
 * untrusted input, so every size is checked against the real file size before anything is
 * allocated, and every failure is a {@link CheckpointException} naming the file and tensor.
 */
public final class SafetensorsHeader {
    /** Headers are a few KB to a few MB in practice; anything larger is a corrupt or hostile file. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** One tensor: {@code begin} and {@code end} are byte offsets relative to the data section. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long byteSize() {
            return end - begin;
        }

        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
        }
    }

    private final Path file;
    private final long fileSize;
    private final byte[] headerBytes;
    private final Map<String, Entry> entries;

    private SafetensorsHeader(Path file, long fileSize, byte[] headerBytes, Map<String, Entry> entries) {
        this.file = file;
        this.fileSize = fileSize;
        this.headerBytes = headerBytes;
        this.entries = entries;
    }

    public Path file() { return file; }
    public long fileSize() { return fileSize; }

    /** Absolute file offset where the data section starts (8 + header length). */
    public long dataStart() { return 8L + headerBytes.length; }

    /** The raw JSON header (a copy; used to fingerprint a checkpoint without reading weights). */
    public byte[] headerBytes() { return headerBytes.clone(); }

    /** Tensors in header order. */
    public Map<String, Entry> entries() { return entries; }

    public Entry entry(String name) { return entries.get(name); }

    /** Reads and validates the header of {@code file} through an open channel. */
    public static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new CheckpointException(file + ": file is " + size
                    + " bytes, shorter than the 8-byte safetensors header length (truncated file?)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lenBuf, 0, file);
        long headerLen = lenBuf.getLong(0);
        // A u64 above 2^63 reads as negative here: also far beyond any limit.
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw new CheckpointException(file + ": header length " + Long.toUnsignedString(headerLen)
                    + " exceeds the " + (MAX_HEADER_BYTES >> 20) + " MB limit (not a safetensors file?)");
        }
        if (headerLen > size - 8) {
            throw new CheckpointException(file + ": header length " + headerLen + " is beyond the end of the file ("
                    + size + " bytes; truncated file?)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        readFully(channel, header, 8, file);
        return parse(file, size, header.array());
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos, Path file) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new CheckpointException(file + ": unexpected end of file at offset " + pos);
            }
            pos += n;
        }
    }

    /** Validates a header given its bytes and the size of the whole file. */
    static SafetensorsHeader parse(Path file, long fileSize, byte[] headerBytes) {
        JsonNode root;
        try {
            root = JSON.readTree(headerBytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": header is not valid JSON: "
                    + e.getOriginalMessage().split("\n")[0], e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": header is unreadable: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": header must be a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        long dataSize = fileSize - 8 - headerBytes.length;
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                continue;
            }
            Entry e = parseEntry(file, f.getKey(), f.getValue(), dataSize);
            entries.put(e.name(), e);
        }
        checkNoOverlap(file, entries.values());
        return new SafetensorsHeader(file, fileSize, headerBytes, Collections.unmodifiableMap(entries));
    }

    private static Entry parseEntry(Path file, String name, JsonNode n, long dataSize) {
        String where = file + ": tensor '" + name + "'";
        if (!n.isObject()) {
            throw new CheckpointException(where + ": entry must be a JSON object");
        }
        JsonNode dt = n.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new CheckpointException(where + ": missing or non-string 'dtype'");
        }
        DType dtype = DType.fromSafetensors(dt.asText());
        if (dtype == null) {
            throw new CheckpointException(where + ": unsupported dtype '" + dt.asText()
                    + "' (supported: F32, F16, BF16)");
        }
        long[] shape = longArray(n.get("shape"), where, "shape", -1);
        for (long d : shape) {
            if (d < 0) {
                throw new CheckpointException(where + ": negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long[] offs = longArray(n.get("data_offsets"), where, "data_offsets", 2);
        long begin = offs[0];
        long end = offs[1];
        if (begin < 0 || end < 0) {
            throw new CheckpointException(where + ": negative data_offsets " + Arrays.toString(offs));
        }
        if (begin > end) {
            throw new CheckpointException(where + ": data_offsets begin " + begin + " > end " + end);
        }
        if (end > dataSize) {
            throw new CheckpointException(where + ": data_offsets end " + end + " is beyond the data section ("
                    + dataSize + " bytes; truncated file?)");
        }
        long expected;
        try {
            expected = dtype.bytes();
            for (long d : shape) {
                expected = Math.multiplyExact(expected, d);
            }
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + ": shape " + Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        if (end - begin != expected) {
            throw new CheckpointException(where + ": data_offsets span " + (end - begin) + " bytes but "
                    + dtype + Arrays.toString(shape) + " needs " + expected + " bytes (wrong byte count for dtype)");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] longArray(JsonNode n, String where, String field, int requiredLength) {
        if (n == null || !n.isArray()) {
            throw new CheckpointException(where + ": missing or non-array '" + field + "'");
        }
        if (requiredLength >= 0 && n.size() != requiredLength) {
            throw new CheckpointException(where + ": '" + field + "' must have " + requiredLength
                    + " elements, has " + n.size());
        }
        if (n.size() > 16) {
            throw new CheckpointException(where + ": '" + field + "' has " + n.size() + " dimensions (at most 16)");
        }
        long[] out = new long[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = n.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong()) {
                throw new CheckpointException(where + ": '" + field + "' element " + i + " is not an integer: " + x);
            }
            out[i] = x.asLong();
        }
        return out;
    }

    private static void checkNoOverlap(Path file, Iterable<Entry> all) {
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : all) {
            if (e.byteSize() > 0) { // empty tensors occupy no bytes and cannot overlap
                sorted.add(e);
            }
        }
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new CheckpointException(file + ": tensor '" + cur.name() + "' " + "[" + cur.begin() + ", "
                        + cur.end() + ") overlaps tensor '" + prev.name() + "' [" + prev.begin() + ", "
                        + prev.end() + ")");
            }
        }
    }

    @Override
    public String toString() {
        return file + " (" + entries.size() + " tensors, " + headerBytes.length + "-byte header)";
    }
}
