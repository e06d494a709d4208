package org.specdec.table;

import java.util.function.Function;

/**
 * One column of a table of records of type {@code T}: its name, its type, and how to read its
 * value from a record. A table is an ordered list of these (an enum's {@code values()}), which
 * every writer iterates, so a column is named, typed and read in one place.
 *
 * @param <T> the record a row is made from
 */
public interface TableColumn<T> {

    /** The column name as written (snake_case). */
    String columnName();

    ColumnType type();

    /** This column's value for one record, of the Java type {@link #type()} names, or null. */
    Object valueOf(T row);

    /** A column read by {@code value}. */
    static <T> TableColumn<T> of(String name, ColumnType type, Function<T, Object> value) {
        return new Of<>(name, type, value);
    }

    /** The plain column {@link #of} makes. */
    record Of<T>(String columnName, ColumnType type, Function<T, Object> value) implements TableColumn<T> {
        @Override
        public Object valueOf(T row) {
            return value.apply(row);
        }
    }
}
