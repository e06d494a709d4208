package org.specdec.table;

/**
 * The value types a result table holds, independent of the writer: JSON (the CLI), Spark rows
 * (the job's Parquet and the SQL function's struct) and the bench's Parquet all map these.
 * A column's value is the Java type named here, or null.
 */
public enum ColumnType {
    /** {@link String}. */
    STRING,
    /** {@link Integer}. */
    INT,
    /** {@link Long}. */
    LONG,
    /** {@link Double}; NaN is written as null by the columns that define it so. */
    DOUBLE,
    /** {@code int[]}, never with null elements. */
    INT_ARRAY
}
