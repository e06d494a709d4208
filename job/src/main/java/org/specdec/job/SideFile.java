package org.specdec.job;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A small file beside the output (the summary JSON, the HTML report), written through Hadoop's file
 * system API so that it goes wherever the output can go. On a checksummed file system (the local
 * one) it is written through the raw file system underneath: the checksummed one would leave a
 * hidden {@code .NAME.crc} beside a file that people open with an editor or a browser.
 */
final class SideFile {

    private SideFile() {
    }

    static void write(Configuration hadoop, String path, byte[] content) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        if (fs instanceof ChecksumFileSystem checksummed) {
            FileSystem raw = checksummed.getRawFileSystem();
            // A checksum left by an earlier run would no longer match, and Hadoop reads verify it.
            raw.delete(checksummed.getChecksumFile(p), false);
            fs = raw;
        }
        try (OutputStream os = fs.create(p, true)) {
            os.write(content);
        }
    }
}
