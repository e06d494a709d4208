package org.specdec.testing;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * Runs test classes without Maven (scripts/gpu-check.sh on a GPU machine that has only the
 * bundled JRE): {@code java -cp ... org.specdec.testing.GpuTestMain CLASS...}. Exit 1 on failure.
 */
public final class GpuTestMain {
    private GpuTestMain() {}

    public static void main(String[] args) throws ClassNotFoundException {
        var builder = request();
        for (String a : args) {
            builder.selectors(selectClass(Class.forName(a)));
        }
        LauncherDiscoveryRequest req = builder.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(req, listener);
        TestExecutionSummary s = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }
}
