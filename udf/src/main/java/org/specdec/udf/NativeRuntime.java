package org.specdec.udf;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.specdec.engine.EngineSpec;
import org.specdec.engine.GenerationEngine;

/**
 * The runtime's entry point, {@code org.specdec.engine.Engines.open(EngineSpec)}.
 *
 * <p>Bound by name while the runtime's implementation is being written in parallel (its API types
 * are fixed; the factory lands with the implementation). Once {@code Engines} is on the branch this
 * becomes a direct call.
 */
public final class NativeRuntime {

    static final String ENGINES_CLASS = "org.specdec.engine.Engines";

    private NativeRuntime() {
    }

    /** Whether the runtime implementation is on the classpath. */
    public static boolean available() {
        return openHandle() != null;
    }

    /** Loads a model pair; throws the runtime's own exception (unreadable model, mismatched pair). */
    public static GenerationEngine open(EngineSpec spec) {
        MethodHandle h = openHandle();
        if (h == null) {
            throw new IllegalStateException("the specdec runtime (" + ENGINES_CLASS
                    + ") is not on the classpath: build the native module (mvn -DskipTests package)");
        }
        try {
            return (GenerationEngine) h.invoke(spec);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t.getMessage(), t);
        }
    }

    private static MethodHandle openHandle() {
        try {
            Class<?> c = Class.forName(ENGINES_CLASS, true, NativeRuntime.class.getClassLoader());
            return MethodHandles.publicLookup().findStatic(c, "open",
                    MethodType.methodType(GenerationEngine.class, EngineSpec.class));
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }
}
