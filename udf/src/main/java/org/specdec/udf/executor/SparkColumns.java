package org.specdec.udf.executor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.specdec.table.ColumnType;
import org.specdec.table.TableColumn;

/** A table of {@link TableColumn}s as Spark sees it: its struct type, and its rows. */
public final class SparkColumns {

    private static final DataType INT_ARRAY = DataTypes.createArrayType(DataTypes.IntegerType, false);

    private SparkColumns() {
    }

    /** The struct of these columns, in their order; every field nullable. */
    public static StructType schema(List<? extends TableColumn<?>> columns) {
        List<StructField> fields = new ArrayList<>(columns.size());
        for (TableColumn<?> c : columns) {
            fields.add(DataTypes.createStructField(c.columnName(), dataType(c.type()), true));
        }
        return DataTypes.createStructType(fields);
    }

    /** A row of these columns read from one record. */
    public static <T> Row row(List<? extends TableColumn<T>> columns, T record) {
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = value(columns.get(i).valueOf(record));
        }
        return RowFactory.create(values);
    }

    public static DataType dataType(ColumnType type) {
        return switch (type) {
            case STRING -> DataTypes.StringType;
            case INT -> DataTypes.IntegerType;
            case LONG -> DataTypes.LongType;
            case DOUBLE -> DataTypes.DoubleType;
            case INT_ARRAY -> INT_ARRAY;
        };
    }

    /** A column value as Spark's row encoder wants it: an int[] becomes a Scala Seq. */
    public static Object value(Object v) {
        if (v instanceof int[] a) {
            Integer[] boxed = Arrays.stream(a).boxed().toArray(Integer[]::new);
            return scala.collection.immutable.ArraySeq.unsafeWrapArray(boxed);
        }
        return v;
    }
}
