package org.specdec.job;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** What one logger logs at {@code level} and above while a test runs; closing restores the logger. */
final class LogCapture extends AbstractAppender implements AutoCloseable {

    private final Logger logger;
    private final Level previous;
    private final List<String> messages = new ArrayList<>();

    private LogCapture(Logger logger, Level level) {
        super("specdec-test-capture", null, null, true, Property.EMPTY_ARRAY);
        this.logger = logger;
        this.previous = logger.getLevel();
        start();
        logger.addAppender(this);
        logger.setLevel(level);
    }

    static LogCapture of(String loggerName, Level level) {
        return new LogCapture((Logger) LogManager.getLogger(loggerName), level);
    }

    @Override
    public void append(LogEvent event) {
        synchronized (messages) {
            messages.add(event.getMessage().getFormattedMessage());
        }
    }

    List<String> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    @Override
    public void close() {
        logger.setLevel(previous);
        logger.removeAppender(this);
        stop();
    }
}
