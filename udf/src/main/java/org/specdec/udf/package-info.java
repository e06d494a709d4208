/**
 * The Spark SQL surface: {@code spec_generate(prompt [, max_tokens [, temperature]])}, its
 * registration (the {@code spark.sql.extensions} class and {@code SpecGenerate.register}) and its
 * {@code spark.specdec.*} settings. What runs on the executors, for this function and for the
 * batch job alike, is in {@link org.specdec.udf.executor}.
 */
package org.specdec.udf;
