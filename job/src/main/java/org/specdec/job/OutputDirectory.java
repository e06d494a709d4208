package org.specdec.job;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The output path as Spark's file commit protocol (Hadoop's FileOutputCommitter, algorithm 1)
 * leaves it. A task writes under {@code _temporary/0/_temporary/attempt_*} and commits by renaming
 * that folder to {@code _temporary/0/task_*}; the job commits by moving each committed task's files
 * to the output folder, one atomic rename per file, then deletes {@code _temporary}. So the visible
 * (committed) rows are exactly the files outside {@code _temporary}, each one complete, and
 * {@code _temporary} holds only the work of a job that has not committed.
 *
 * <p>A job that never finished (its driver was killed) never ran the protocol's abort, and the next
 * job's commit would move the dead job's committed tasks into the output along with its own: rows
 * that the next job also generates, since they were not visible when it started. {@link
 * #abortUnfinishedJob()} runs that abort before a resumed job starts.
 */
final class OutputDirectory {

    /** The committer's staging folder (FileOutputCommitter.PENDING_DIR_NAME). */
    static final String PENDING = "_temporary";
    private static final String ALGORITHM_KEY = "mapreduce.fileoutputcommitter.algorithm.version";

    private final FileSystem fs;
    private final Path path;

    private OutputDirectory(FileSystem fs, Path path) {
        this.fs = fs;
        this.path = path;
    }

    /** The output path; a startup error if its file system cannot be reached. */
    static OutputDirectory of(SparkSession spark, String output) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        String algorithm = hadoop.get(ALGORITHM_KEY, "1").trim();
        if (!algorithm.equals("1")) {
            // Algorithm 2 moves each task's files into the output at task commit, so a job that
            // dies leaves a partial output and a retried commit can interleave with a lost one.
            throw new JobConfigException(ALGORITHM_KEY + "=" + algorithm + " is set; the job's exactly-once output "
                    + "needs algorithm 1 (set spark.hadoop." + ALGORITHM_KEY + "=1 or remove the setting)");
        }
        try {
            Path p = new Path(output);
            return new OutputDirectory(p.getFileSystem(hadoop), p);
        } catch (IOException e) {
            throw new JobConfigException("cannot reach output.path " + output + ": " + e.getMessage(), e);
        }
    }

    boolean exists() {
        try {
            return fs.exists(path);
        } catch (IOException e) {
            throw new JobConfigException("cannot check output.path " + path + ": " + e.getMessage(), e);
        }
    }

    /** Whether any committed data file is there (what Spark would read as the output's rows). */
    boolean hasCommittedRows() {
        try {
            return fs.exists(path) && hasDataFile(path);
        } catch (IOException e) {
            throw new JobConfigException("cannot list output.path " + path + ": " + e.getMessage(), e);
        }
    }

    /** Whether an unfinished job's staging folder is there. */
    boolean hasUnfinishedJob() {
        try {
            return fs.exists(new Path(path, PENDING));
        } catch (IOException e) {
            throw new JobConfigException("cannot check output.path " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Discards what a job that did not finish left behind, as the commit protocol's abort does:
     * its staging folder with every task attempt and committed task. Rows it had already moved to
     * the output stay, since they are committed. One job writes to an output path at a time.
     *
     * @return whether there was anything to discard
     */
    boolean abortUnfinishedJob() {
        Path pending = new Path(path, PENDING);
        try {
            if (!fs.exists(pending)) {
                return false;
            }
            if (!fs.delete(pending, true) && fs.exists(pending)) {
                throw new JobConfigException("cannot delete " + pending + " (the files of an unfinished run); "
                        + "delete it by hand, then resume");
            }
            return true;
        } catch (IOException e) {
            throw new JobConfigException("cannot delete " + pending + " (the files of an unfinished run): "
                    + e.getMessage(), e);
        }
    }

    /** Spark's rule for data files: names that start with '_' or '.' are not data. */
    private boolean hasDataFile(Path dir) throws IOException {
        for (FileStatus s : fs.listStatus(dir)) {
            String name = s.getPath().getName();
            if (name.startsWith("_") || name.startsWith(".")) {
                continue;
            }
            if (s.isFile() || hasDataFile(s.getPath())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
