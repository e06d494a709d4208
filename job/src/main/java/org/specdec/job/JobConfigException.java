package org.specdec.job;

/** A startup error in the job's configuration or input: the message names the key or column and the fix. */
public final class JobConfigException extends RuntimeException {

    public JobConfigException(String message) {
        super(message);
    }

    public JobConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
