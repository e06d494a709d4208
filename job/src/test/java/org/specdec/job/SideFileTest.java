package org.specdec.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summary and the report beside the output are plain files: no hidden .crc beside them. */
class SideFileTest {

    @TempDir
    Path dir;

    @Test
    void aLocalSideFileHasNoChecksumFileAndReadsBackThroughHadoop() throws Exception {
        Path p = dir.resolve("demo.summary.json");
        Configuration hadoop = new Configuration();
        SideFile.write(hadoop, p.toString(), "{\"a\": 1}\n".getBytes(StandardCharsets.UTF_8));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("demo.summary.json"), files.map(f -> f.getFileName().toString()).toList());
        }
        org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(p.toString());
        try (FSDataInputStream in = hp.getFileSystem(hadoop).open(hp)) {
            assertEquals("{\"a\": 1}\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aChecksumLeftByAnEarlierRunIsRemovedSoReadsDoNotFailOnIt() throws Exception {
        Path p = dir.resolve("demo.report.html");
        Configuration hadoop = new Configuration();
        org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(p.toString());
        FileSystem fs = hp.getFileSystem(hadoop);
        try (var out = fs.create(hp, true)) { // as earlier versions wrote it: with .demo.report.html.crc
            out.write("<html>old</html>".getBytes(StandardCharsets.UTF_8));
        }
        SideFile.write(hadoop, p.toString(), "<html>new, longer than the old one</html>".getBytes(StandardCharsets.UTF_8));
        assertFalse(Files.exists(dir.resolve(".demo.report.html.crc")));
        try (FSDataInputStream in = fs.open(hp)) {
            assertEquals("<html>new, longer than the old one</html>", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
