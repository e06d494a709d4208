package org.specdec.engine;

import java.util.List;
import org.specdec.model.MemoryPlan;
import org.specdec.model.ModelShape;

/**
 * The memory plan of an engine's settings, from the models' config.json alone (no weight file is
 * opened): what {@link Engines#open} logs and checks before it loads anything, and what a
 * configuration can be checked against without the models' weights.
 */
public final class EngineMemory {

    /** The largest degree a refusal suggests: the GPUs of one node. */
    public static final int MAX_DEGREE = 8;

    private EngineMemory() {
    }

    /** The plan at the settings' own degree ({@link EngineSettings#tensorParallelDegree()}). */
    public static MemoryPlan plan(EngineSettings s) {
        return plan(s, s.tensorParallelDegree());
    }

    /** The plan with the target split over {@code degree} devices. */
    public static MemoryPlan plan(EngineSettings s, int degree) {
        Models m = Models.read(s);
        return MemoryPlan.of(m.target, m.draft, degree, m.sizes.rows(), m.sizes.capacity(), m.sizes.passTokens());
    }

    /** Plans for every degree up to {@link #MAX_DEGREE} that splits the target. */
    public static List<MemoryPlan> candidates(EngineSettings s) {
        Models m = Models.read(s);
        return MemoryPlan.candidates(m.target, m.draft, MAX_DEGREE, m.sizes.rows(), m.sizes.capacity(),
                m.sizes.passTokens());
    }

    /**
     * Refuses settings whose plan needs more than {@code deviceBytes} on one device, naming the
     * sizes and the smallest degree that would fit.
     */
    public static void requireDevices(EngineSettings s, long deviceBytes, String deviceName) {
        plan(s).require(deviceBytes, deviceName, candidates(s));
    }

    private record Models(ModelShape target, ModelShape draft, EngineSizes sizes) {
        static Models read(EngineSettings s) {
            ModelShape target = ModelShape.read(s.targetDir());
            EngineSizes sizes = EngineSizes.of(s, target.config());
            ModelShape draft = null;
            if (sizes.k() > 0 && s.draftDir() != null) {
                draft = ModelShape.read(s.draftDir());
            } else if (sizes.k() > 0 && s.selfDraftLayers() > 0) {
                if (s.selfDraftLayers() >= target.config().numLayers()) {
                    throw new IllegalArgumentException("self-draft layers (" + s.selfDraftLayers()
                            + ") must be fewer than the target's " + target.config().numLayers() + " layers");
                }
                draft = target.selfDraft(s.selfDraftLayers());
            }
            return new Models(target, draft, sizes);
        }
    }
}
