package org.specdec.job;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.columnar.CachedBatch;
import org.apache.spark.sql.execution.CachedData;
import org.apache.spark.storage.StorageLevel;
import scala.Option;

/**
 * A persisted dataset, filled before any query reads it. With adaptive execution, the first query
 * over a cached plan fills the cache in a job whose tasks never read their block to the end, so
 * each task leaves a read lock behind (the executor logs "block locks were not released"). Filling
 * the cache here, by counting the cached batches' rows to the end, leaves the adaptive plans
 * nothing to fill.
 */
final class CachedInput {

    private CachedInput() {
    }

    /** Persists {@code rows}, fills the cache and returns it with its row count. */
    static Counted persist(Dataset<Row> rows) {
        Dataset<Row> cached = rows.persist(StorageLevel.MEMORY_AND_DISK());
        org.apache.spark.sql.classic.SparkSession session =
                (org.apache.spark.sql.classic.SparkSession) cached.sparkSession();
        Option<CachedData> data = session.sharedState().cacheManager()
                .lookupCachedData(session, cached.queryExecution().analyzed());
        if (data.isEmpty()) {
            // Not cached after all (storage refused it): count the plan's rows.
            return new Counted(cached, cached.queryExecution().toRdd().count());
        }
        long count = data.get().cachedRepresentation().cacheBuilder().cachedColumnBuffers().toJavaRDD()
                .map(CachedInput::rowsOf).fold(0L, Long::sum);
        return new Counted(cached, count);
    }

    private static long rowsOf(CachedBatch batch) {
        return batch.numRows();
    }

    /** A cached dataset and how many rows it holds. */
    record Counted(Dataset<Row> rows, long count) {
    }
}
