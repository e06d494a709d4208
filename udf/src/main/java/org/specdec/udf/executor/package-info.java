/**
 * What runs inside a Spark executor, shared by {@code spec_generate} and the batch job: the
 * executor JVM's engines (one per model pair and device, loaded once, shared by every task
 * thread), where a task runs (its GPU, executor and attempt), the cores a CPU engine may use, and
 * the output table as Spark rows.
 */
package org.specdec.udf.executor;
