package org.specdec.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * Runs test classes without Maven (scripts/gpu-check.sh on a GPU machine that has only the
 * bundled JRE): {@code java -cp ... org.specdec.testing.GpuTestMain CLASS[#METHOD]...}. Exit 0 when
 * every test that ran passed, 1 on a failure, 3 when nothing ran (every test skipped, e.g. no GPU).
 */
public final class GpuTestMain {
    private GpuTestMain() {}

    public static void main(String[] args) throws ClassNotFoundException {
        var builder = request();
        for (String a : args) {
            int hash = a.indexOf('#');
            builder.selectors(hash < 0 ? selectClass(Class.forName(a))
                    : selectMethod(Class.forName(a.substring(0, hash)), a.substring(hash + 1)));
        }
        LauncherDiscoveryRequest req = builder.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        TestExecutionListener aborted = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                    System.out.println("skipped: " + id.getDisplayName() + ": "
                            + result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
                }
            }
        };
        launcher.execute(req, listener, aborted);
        TestExecutionSummary s = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        System.exit(s.getTotalFailureCount() > 0 ? 1 : s.getTestsSucceededCount() > 0 ? 0 : 3);
    }
}
