package org.specdec.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system with a crash point, for a driver JVM that a test kills: at the chosen
 * step of Spark's file commit protocol the calling thread writes a marker file and stops there
 * (the test then sends SIGKILL). Set as {@code fs.file.impl} (with {@code fs.file.impl.disable.cache})
 * in the job's Hadoop configuration, with {@code specdec.test.crash.at}:
 * <ul>
 *   <li>{@code task-file}: a task attempt has created its part file (under
 *       {@code _temporary/0/_temporary/attempt_*}) and not written it;</li>
 *   <li>{@code task-commit:N}: N task commits (attempt folder renamed to {@code _temporary/0/task_*})
 *       are done, the next one stops before its rename;</li>
 *   <li>{@code job-commit:N}: the job commit has moved N files into the output folder, the next
 *       move stops.</li>
 * </ul>
 * and {@code specdec.test.crash.marker}: the marker file to write.
 */
public class CrashPointFileSystem extends LocalFileSystem {

    private static final AtomicInteger TASK_COMMITS = new AtomicInteger();
    private static final AtomicInteger JOB_COMMIT_MOVES = new AtomicInteger();

    private String point = "";
    private int after;
    private java.nio.file.Path marker;

    @Override
    public void initialize(java.net.URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        String at = conf.get("specdec.test.crash.at", "");
        int colon = at.indexOf(':');
        point = colon < 0 ? at : at.substring(0, colon);
        after = colon < 0 ? 0 : Integer.parseInt(at.substring(colon + 1));
        String m = conf.get("specdec.test.crash.marker");
        marker = m == null ? null : java.nio.file.Path.of(m);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        FSDataOutputStream out = super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        String p = f.toUri().getPath();
        if (point.equals("task-file") && p.contains("/_temporary/0/_temporary/attempt_")
                && f.getName().startsWith("part-")) {
            stop("task attempt created " + p);
        }
        return out;
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        String from = src.toUri().getPath();
        String to = dst.toUri().getPath();
        if (point.equals("task-commit") && from.contains("/_temporary/0/_temporary/attempt_")
                && to.contains("/_temporary/0/task_") && TASK_COMMITS.incrementAndGet() > after) {
            stop("task commit " + TASK_COMMITS.get() + ": " + from + " -> " + to);
        }
        if (point.equals("job-commit") && from.contains("/_temporary/0/task_") && !to.contains("/_temporary/")
                && JOB_COMMIT_MOVES.incrementAndGet() > after) {
            stop("job commit move " + JOB_COMMIT_MOVES.get() + ": " + from + " -> " + to);
        }
        return super.rename(src, dst);
    }

    /** Writes the marker and parks this thread for good; the test kills the JVM. */
    private void stop(String where) {
        if (marker != null) {
            try {
                java.nio.file.Path tmp = marker.resolveSibling(marker.getFileName() + "." + Thread.currentThread().getId() + ".tmp");
                Files.writeString(tmp, where + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write crash marker " + marker, e);
            }
        }
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                // stay here: only SIGKILL ends this JVM
            }
        }
    }
}
