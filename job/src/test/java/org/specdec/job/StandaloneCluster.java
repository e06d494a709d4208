package org.specdec.job;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.specdec.testing.Fixtures;

/**
 * A real Spark standalone cluster on 127.0.0.1 for tests: one Master and n Workers, each its own
 * JVM started from a Spark home laid out from this build's own dependency jars ({@code jars/} +
 * {@code RELEASE}). Worker i announces its {@code gpu} addresses (one each by default: address i)
 * through a discovery script.
 * Jobs are submitted through {@code org.apache.spark.deploy.SparkSubmit} in a separate driver JVM
 * with the project's classes packed into an application jar. {@link #close()} stops every process
 * it started (executors included).
 */
final class StandaloneCluster implements AutoCloseable {

    /** What the JVMs need on Java 17 (Spark's opens plus the CPU backend's Vector API): conf/java-options. */
    static final List<String> JAVA_OPTIONS = javaOptions();

    private static List<String> javaOptions() {
        Path file = Fixtures.repo().resolve("conf/java-options");
        try {
            return Files.readAllLines(file).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Master, Workers and the driver only coordinate: C1 alone starts them faster on 2 cores.
     * Executors keep the full JIT (the CPU backend's Vector API needs C2).
     */
    private static final String QUICK_JIT = "-XX:TieredStopAtLevel=1";

    private final Path root;
    private final Path sparkHome;
    private final Path appJar;
    private final String masterUrl;
    private final List<Process> processes = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final List<Path> workDirs = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "standalone-cluster-stop");

    private StandaloneCluster(Path root, Path sparkHome, Path appJar, String masterUrl) {
        this.root = root;
        this.sparkHome = sparkHome;
        this.appJar = appJar;
        this.masterUrl = masterUrl;
    }

    /** Lays out the Spark home and app jar under {@code root}, starts a Master and {@code n} 1-core, 1-gpu Workers. */
    static StandaloneCluster start(Path root, int workers, int workerMemoryMb) throws Exception {
        return start(root, workers, 1, 1, workerMemoryMb);
    }

    /**
     * As {@link #start(Path, int, int)} with {@code gpus} gpus and {@code cores} cores per Worker:
     * Worker i announces the addresses i*gpus .. i*gpus+gpus-1.
     */
    static StandaloneCluster start(Path root, int workers, int gpus, int cores, int workerMemoryMb) throws Exception {
        Path home = sparkHome(root.resolve("spark-home"));
        Path app = appJar(root.resolve("specdec-app.jar"));
        int port = freePort();
        StandaloneCluster c = new StandaloneCluster(root, home, app, "spark://127.0.0.1:" + port);
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        try {
            Path masterLog = root.resolve("master.log");
            c.processes.add(c.java(List.of("-Xmx256m", QUICK_JIT, "-XX:+UseSerialGC"), "org.apache.spark.deploy.master.Master",
                    List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", "0"), masterLog));
            waitForLine(masterLog, "I have been elected leader", Duration.ofSeconds(60), c.processes.get(0));
            for (int i = 0; i < workers; i++) {
                Path script = root.resolve("gpu-" + i + ".sh");
                String addresses = IntStream.range(i * gpus, i * gpus + gpus)
                        .mapToObj(a -> "\"" + a + "\"").collect(Collectors.joining(", "));
                Files.writeString(script, "#!/usr/bin/env bash\necho '{\"name\": \"gpu\", \"addresses\": [" + addresses
                        + "]}'\n");
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
                Path work = Files.createDirectories(root.resolve("worker-" + i));
                c.workDirs.add(work);
                Path log = root.resolve("worker-" + i + ".log");
                Process w = c.java(List.of("-Xmx256m", QUICK_JIT, "-XX:+UseSerialGC",
                                "-Dspark.worker.resource.gpu.amount=" + gpus,
                                "-Dspark.worker.resource.gpu.discoveryScript=" + script),
                        "org.apache.spark.deploy.worker.Worker",
                        List.of("--host", "127.0.0.1", "--webui-port", "0", "--cores", Integer.toString(cores), "--memory",
                                workerMemoryMb + "m", "--work-dir", work.toString(), c.masterUrl), log);
                c.processes.add(w);
                c.workers.add(w);
            }
            for (int i = 0; i < workers; i++) {
                waitForLine(root.resolve("worker-" + i + ".log"), "Successfully registered with master",
                        Duration.ofSeconds(60), c.workers.get(i));
            }
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    String masterUrl() {
        return masterUrl;
    }

    Path appJar() {
        return appJar;
    }

    /** Worker i's work directory: {@code <app id>/<executor id>/stderr} are its executors' logs. */
    Path workDir(int worker) {
        return workDirs.get(worker);
    }

    int workers() {
        return workers.size();
    }

    /** Starts a driver JVM running SparkSubmit in client mode against this cluster. */
    Process submit(List<String> submitArgs, Path log) throws IOException {
        List<String> args = new ArrayList<>(List.of("--master", masterUrl, "--deploy-mode", "client"));
        args.addAll(submitArgs);
        Process p = java(List.of("-Xmx768m", QUICK_JIT, "-XX:+UseSerialGC"), "org.apache.spark.deploy.SparkSubmit", args,
                log);
        processes.add(p);
        return p;
    }

    /** The app directories under every worker's work dir. */
    Set<String> appIds() throws IOException {
        Set<String> ids = new HashSet<>();
        for (Path w : workDirs) {
            try (Stream<Path> s = Files.list(w)) {
                s.filter(Files::isDirectory).forEach(p -> ids.add(p.getFileName().toString()));
            }
        }
        return ids;
    }

    /** Whether {@code pid} is a process this cluster started or one of their descendants. */
    boolean owns(long pid) {
        for (Process p : processes) {
            if (p.pid() == pid || p.descendants().anyMatch(d -> d.pid() == pid)) {
                return true;
            }
        }
        return false;
    }

    private Process java(List<String> jvm, String main, List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.addAll(JAVA_OPTIONS);
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + File.separator + "*");
        cmd.add(main);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("HADOOP_") || k.equals("PYSPARK_PYTHON"));
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
        env.put("SPARK_CONF_DIR", Files.createDirectories(root.resolve("spark-conf")).toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return pb.start();
    }

    /** A Spark home whose jars/ are this build's dependency jars (links), plus a RELEASE file. */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Set<String> names = new HashSet<>();
        for (String entry : classPath()) {
            Path p = Path.of(entry);
            String name = p.getFileName().toString();
            if (!Files.isRegularFile(p) || !name.endsWith(".jar") || isProjectOutput(p) || name.startsWith("junit-")
                    || name.startsWith("surefire") || !names.add(name)) {
                continue;
            }
            Files.createSymbolicLink(jars.resolve(name), p.toAbsolutePath());
        }
        String core = names.stream().filter(n -> n.startsWith("spark-core_")).findFirst().orElseThrow(
                () -> new IllegalStateException("no spark-core jar on the test class path: " + classPath()));
        // The launcher takes jars/ from a Spark home only when it has a RELEASE file (a distribution).
        Files.writeString(home.resolve("RELEASE"), "Spark from " + core
                + " (laid out by specdec tests from the Maven dependency jars)\n");
        return home;
    }

    /** The project's own classes (native, udf, job) as one application jar, as spark-submit ships it. */
    private static Path appJar(Path jar) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().putValue("Manifest-Version", "1.0");
        Set<String> seen = new HashSet<>();
        int modules = 0;
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            seen.add("META-INF/MANIFEST.MF");
            for (String entry : classPath()) {
                Path p = Path.of(entry);
                if (!isProjectOutput(p)) {
                    continue;
                }
                modules++;
                if (Files.isDirectory(p)) {
                    try (Stream<Path> files = Files.walk(p)) {
                        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                            String name = p.relativize(f).toString().replace(File.separatorChar, '/');
                            if (seen.add(name)) {
                                out.putNextEntry(new JarEntry(name));
                                Files.copy(f, out);
                                out.closeEntry();
                            }
                        }
                    }
                } else {
                    try (JarFile in = new JarFile(p.toFile())) {
                        for (JarEntry e : (Iterable<JarEntry>) in.stream()::iterator) {
                            if (e.isDirectory() || !seen.add(e.getName())) {
                                continue;
                            }
                            out.putNextEntry(new JarEntry(e.getName()));
                            try (InputStream is = in.getInputStream(e)) {
                                is.transferTo(out);
                            }
                            out.closeEntry();
                        }
                    }
                }
            }
        }
        if (modules < 3) {
            throw new IllegalStateException("expected the native, udf and job classes on the class path, found "
                    + modules + " project outputs in " + classPath());
        }
        return jar;
    }

    /** native/udf/job target/classes or their specdec-*.jar (not test classes). */
    private static boolean isProjectOutput(Path p) {
        String s = p.toString().replace(File.separatorChar, '/');
        String name = p.getFileName().toString();
        return (s.endsWith("/target/classes") && (s.contains("/native/") || s.contains("/udf/") || s.contains("/job/")))
                || (s.contains("/target/") && name.startsWith("specdec-") && name.endsWith(".jar")
                && !name.contains("-tests") && !name.contains("-sources"));
    }

    /** This JVM's class path (surefire keeps it in a property when it starts tests from a manifest jar). */
    static List<String> classPath() {
        String cp = System.getProperty("java.class.path", "");
        if (!cp.contains("spark-core_")) {
            cp = System.getProperty("surefire.test.class.path", cp);
        }
        return List.of(cp.split(File.pathSeparator));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code log} has a line containing {@code text}; fails early if {@code p} exits. */
    static void waitForLine(Path log, String text, Duration timeout, Process p) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
                return;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("process exited (" + p.exitValue() + ") before '" + text + "' in "
                        + log + ":\n" + tail(log));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no '" + text + "' in " + log + " after " + timeout + ":\n" + tail(log));
    }

    /**
     * With {@code -Dspecdec.cluster.keep=DIR}, copies every log (Master, Workers, driver,
     * executors) and config under {@code root} to DIR, keeping their relative paths.
     */
    static void keepLogs(Path root) {
        String keep = System.getProperty("specdec.cluster.keep");
        if (keep == null || root == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".log")
                    || p.getFileName().toString().equals("stderr") || p.toString().endsWith(".yaml"))::iterator) {
                Path to = Path.of(keep).resolve(root.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("cannot keep the cluster logs in " + keep + ": " + e);
        }
    }

    static String tail(Path log) {
        try {
            if (!Files.exists(log)) {
                return "(no log)";
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // Already shutting down: the hook runs stopAll itself.
        }
    }

    /** Stops drivers, workers (and their executors) and the master; SIGKILL what does not stop in 10 s. */
    private synchronized void stopAll() {
        List<ProcessHandle> all = new ArrayList<>();
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.descendants().forEach(all::add);
            all.add(p.toHandle());
        }
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle h : all) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        processes.clear();
        workers.clear();
    }

    /** The executor JVM's pid, from its "specdec: loaded model pair ... pid N)" line (Spark's start-up lines are below the log level). */
    static Optional<Long> executorPid(Path stderr) throws IOException {
        if (!Files.exists(stderr)) {
            return Optional.empty();
        }
        java.util.regex.Pattern loaded = java.util.regex.Pattern.compile("specdec: loaded model pair .*, pid (\\d+)\\)");
        for (String line : Files.readAllLines(stderr, StandardCharsets.UTF_8)) {
            java.util.regex.Matcher m = loaded.matcher(line);
            if (m.find()) {
                return Optional.of(Long.parseLong(m.group(1)));
            }
        }
        return Optional.empty();
    }
}
