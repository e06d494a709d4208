package org.specdec.speculative;

import org.specdec.stats.EngineStats;
import org.specdec.stats.SpeedupModel;
import org.specdec.stats.StepOutcome;

import java.util.Arrays;

/**
 * Decides before each engine step whether drafting pays at the current batch size, from costs
 * the engine measures online. Speculation loses at large batches because the target pass stops
 * being memory-bound: verifying k+1 positions per row then costs more than one, and the k draft
 * forwards are no longer cheap next to it. Everything here is measured per batch size n (rows in
 * the step), never assumed.
 *
 * <p>The model is {@link SpeedupModel} with the verification pass measured instead of assumed
 * equal to a one-position pass. With per-token acceptance alpha, mean draft length k, draft cost
 * per position d(n), target pass with one position per row t1(n) and a verification pass with
 * k+1 positions per row tv(n, k):
 * <pre>
 *   S(n) = (1 - alpha^(k+1)) / ((1 - alpha) (k c + v)),   c = d(n) / t1(n),  v = tv(n, k) / t1(n)
 * </pre>
 * which is (1 - a^(k+1)) / ((1 - a)(k c + 1)) when verification costs the same as one position
 * (v = 1). Drafting runs while S(n) &gt;= 1 + margin: the margin makes the switch err towards
 * target-only decoding, whose speed it can only match, never miss.
 *
 * <p>The switch also picks the block length: {@link #decide} returns the k in 1..maxK that
 * maximises S(n), which caps every row's own (adaptive) k for that step; 0 means no drafting.
 * A batch size without measurements of its own borrows the nearest measured size's costs.
 *
 * <p>alpha is estimated as a geometric success probability: accepted / (accepted + rejections),
 * where a rejection is a block that ended before its last draft position (a fully accepted block
 * has none). Its counts decay with every drafting step so that the estimate follows the data.
 *
 * <p>Exploration: while no batch size has its costs measured, the switch drafts for
 * {@link #FRESH_SAMPLES} clean steps (to measure the draft and the verification pass) and decodes
 * as many without drafting (to measure t1), so that no first decision rests on one sample. While
 * drafting it re-measures t1 every {@code refreshEvery} steps at that size ({@link #FRESH_SAMPLES}
 * target-only steps in a row); while off it probes
 * with one drafting step for one row ({@link Decision#probe}) after 64, 128, ... up to
 * {@code maxProbeInterval} steps, so that a draft that starts paying again (other prompts, a
 * smaller batch) is noticed. A one-row probe only samples acceptance; every
 * {@value #PROBES_PER_REMEASURE}nd probe is a re-measurement instead ({@link Decision#remeasure}):
 * {@link #REMEASURE_STEPS} drafting steps for every row, all but the first clean, so that draft and verification costs
 * measured while the JIT was still compiling, or on a cold device, do not keep drafting off for
 * the rest of a job while the baseline it is compared with keeps being measured warm. Only
 * "clean" steps feed the time tables: steps without prompt
 * prefill in the target pass, long catch-up in the draft, or a one-row probe.
 * Each time is the lower quartile of its last {@value TimingWindow#SIZE} samples at that batch
 * size ({@link TimingWindow}): slow passes must not tip the decision. A decision to draft is
 * checked against a fresh baseline soon ({@link #CONFIRM_AFTER} steps), then every
 * {@code refreshEvery} steps.
 *
 * <p>Methods that change the switch's state say so: {@link #decide} (which also counts skipped
 * steps, probes, refreshes and switch-offs in the engine's {@link EngineStats}) and the
 * {@code record} methods; {@link #predictedSpeedup} and {@link #acceptance} only read.
 * Not thread-safe: the engine loop thread owns it.
 */
public final class DraftSwitch {
    /** Decay of the acceptance counts per drafting step. */
    static final double ACCEPTANCE_DECAY = 0.02;
    /**
     * Weight, in verified-token outcomes, the acceptance evidence keeps when drafting turns off.
     * While on, every step adds one block per row, so the counts grow to hundreds; while off only
     * one-row probes add to them (a couple of tokens each), which could never move hundreds. Kept
     * at this weight, a handful of probes decides whether a draft that started agreeing again
     * (other prompts) pays once more.
     */
    static final double EVIDENCE_WHEN_OFF = 8;
    /**
     * First wait between probes while off. Even a one-row probe costs more than a plain step (the
     * row's draft cache must first catch up with every token committed since it last ran, and the
     * verification pass grows), so probes are rare and back off to {@code maxProbeInterval}.
     */
    static final int MIN_PROBE_INTERVAL = 64;
    /** Drafting steps after switching on before the baseline t1 is measured again, to confirm the decision. */
    static final int CONFIRM_AFTER = 8;
    /** Draft length of exploration, probe and re-measurement steps. */
    static final int EXPLORE_K = 2;
    /** Every this many probes while off, the probe re-measures the costs instead of sampling acceptance. */
    static final int PROBES_PER_REMEASURE = 2;
    /**
     * Fresh samples that decide a {@link TimingWindow}'s lower quartile on their own. A cost that is
     * measured only now and then (t1 while drafting, the draft and verification costs while off)
     * is measured this many steps in a row: one fresh sample could not move an estimate whose
     * older samples were all slow (taken while the JIT compiled, or while Spark read the next
     * partition), and the switch then compared those stale costs with fresh ones.
     */
    static final int FRESH_SAMPLES = TimingWindow.SIZE / 4 + 1;
    /** Drafting steps of a re-measurement: the first catches the rows' draft caches up, the rest are clean. */
    static final int REMEASURE_STEPS = 1 + FRESH_SAMPLES;

    private final double margin;
    private final int maxK;
    private final int refreshEvery;
    private final int maxProbeInterval;

    /** Per batch size: target pass with one position per row, verification pass, its positions per row, draft cost. */
    private final TimingWindow[] targetMs;
    private final TimingWindow[] verifyMs;
    private final TimingWindow[] verifyPositions;
    private final TimingWindow[] draftMsPerPosition;
    private final boolean[] drafting;
    private final int[] sinceOther;
    private final int[] probeInterval;
    private final int[] probesWhileOff;
    private final int[] remeasureStepsLeft;
    private final int[] refreshStepsLeft;

    /** Where the decisions are counted: the engine's statistics. */
    private final EngineStats stats;

    private double acceptedCount;
    private double rejectedCount;

    /**
     * The switch's choice for one step.
     *
     * @param draftLimit the most tokens any row may draft: 0 = no drafting (plain target decoding)
     * @param probe      a probe while off: only one row drafts, to sample acceptance (see {@link #decide})
     * @param remeasure  a re-measurement while off: every row drafts, to measure the costs again
     */
    public record Decision(int draftLimit, boolean probe, boolean remeasure) {
        public boolean drafts() {
            return draftLimit > 0;
        }
    }

    public DraftSwitch(int maxBatch, int maxK, EngineStats stats) {
        this(maxBatch, maxK, 0.05, 48, 1024, stats);
    }

    /**
     * @param maxBatch         largest batch size the engine runs
     * @param maxK             longest draft block the engine allows
     * @param margin           predicted speedup needed over 1 to draft (0.05 = 5%)
     * @param refreshEvery     drafting steps at a batch size between re-measurements of t1
     * @param maxProbeInterval longest wait (steps at that size) between probes while off
     * @param stats            where skipped steps, probes, refreshes and switch-offs are counted
     */
    public DraftSwitch(int maxBatch, int maxK, double margin, int refreshEvery, int maxProbeInterval,
                       EngineStats stats) {
        int n = Math.max(1, maxBatch) + 1;
        this.stats = stats;
        this.maxK = Math.max(1, maxK);
        this.margin = margin;
        this.refreshEvery = refreshEvery;
        this.maxProbeInterval = Math.max(MIN_PROBE_INTERVAL, maxProbeInterval);
        this.targetMs = windows(n);
        this.verifyMs = windows(n);
        this.verifyPositions = windows(n);
        this.draftMsPerPosition = windows(n);
        this.drafting = new boolean[n];
        this.sinceOther = new int[n];
        this.probeInterval = new int[n];
        this.probesWhileOff = new int[n];
        this.remeasureStepsLeft = new int[n];
        this.refreshStepsLeft = new int[n];
        Arrays.fill(probeInterval, MIN_PROBE_INTERVAL);
        Arrays.fill(drafting, true);
    }

    private static TimingWindow[] windows(int n) {
        TimingWindow[] w = new TimingWindow[n];
        for (int i = 0; i < n; i++) {
            w[i] = new TimingWindow();
        }
        return w;
    }

    private int size(int n) {
        return Math.max(1, Math.min(n, targetMs.length - 1));
    }

    /**
     * Decides the next step, with {@code n} rows whose mean draft length is {@code meanK}, and
     * advances the switch: its on/off state at this batch size, the refresh and probe schedules,
     * and the counts in the engine's statistics. The draft limit is 0 (no drafting) or the k in
     * 1..maxK that maximises S(n) (at larger batches verification positions get dearer, so
     * shorter blocks pay better).
     *
     * <p>A probe only has to sample acceptance (its step is never clean: the draft must first catch
     * up with every token committed since it last ran), so the engine drafts for ONE row then, the
     * one whose draft cache is freshest: at concurrency 32 a probe over all rows would re-run up to
     * 64 tokens of each row through the draft, a dozen target passes' worth of work for one sample.
     */
    public Decision decide(int n, double meanK) {
        int b = size(n);
        int kMax = Math.max(1, Math.max(maxK, (int) Math.ceil(meanK)));
        int best = bestK(b, kMax);
        double s = best == 0 ? Double.NaN : predictedSpeedup(b, best);
        int limit;
        boolean probe = false;
        boolean remeasure = false;
        if (Double.isNaN(s)) {
            // Nothing measured here or nearby: measure drafting first, then target-only decoding.
            // Short blocks: exploring must stay cheap where drafting turns out not to pay.
            limit = verifyMs[b].count() < FRESH_SAMPLES || draftMsPerPosition[b].count() < FRESH_SAMPLES
                    ? Math.min(kMax, EXPLORE_K) : 0;
        } else {
            // Hysteresis: turning drafting on needs twice the margin that keeps it on, so one lucky
            // probe (a small acceptance sample) does not flip the switch back and forth.
            boolean pays = s >= 1 + (drafting[b] ? margin : 2 * margin);
            if (pays != drafting[b]) {
                drafting[b] = pays;
                sinceOther[b] = 0;
                remeasureStepsLeft[b] = 0;
                refreshStepsLeft[b] = 0;
                if (!pays) {
                    stats.recordSwitchedOff();
                    shrinkAcceptanceEvidence();
                } else {
                    probeInterval[b] = MIN_PROBE_INTERVAL;
                    sinceOther[b] = Math.max(0, refreshEvery - CONFIRM_AFTER);
                }
            }
            sinceOther[b]++;
            if (!pays && remeasureStepsLeft[b] > 0) {
                remeasureStepsLeft[b]--;
                stats.recordProbe();
                remeasure = true;
                limit = Math.min(kMax, EXPLORE_K);
            } else if (pays && refreshStepsLeft[b] > 0) {
                refreshStepsLeft[b]--;
                limit = 0;
            } else if (pays && (sinceOther[b] > refreshEvery || targetMs[b].isEmpty())) {
                sinceOther[b] = 0;
                refreshStepsLeft[b] = FRESH_SAMPLES - 1;
                stats.recordRefresh();
                limit = 0; // (re-)measure t1 here: the comparison is only as good as its baseline
            } else if (!pays && sinceOther[b] > probeInterval[b]) {
                sinceOther[b] = 0;
                probeInterval[b] = Math.min(maxProbeInterval, probeInterval[b] * 2);
                stats.recordProbe();
                if (++probesWhileOff[b] % PROBES_PER_REMEASURE == 0) {
                    // Costs may have fallen since they were measured (a cold JIT or device): all rows draft.
                    remeasureStepsLeft[b] = REMEASURE_STEPS - 1;
                    remeasure = true;
                    limit = Math.min(kMax, EXPLORE_K);
                } else {
                    probe = true;
                    limit = Math.max(1, Math.min(best, EXPLORE_K)); // probe: acceptance may have changed
                }
            } else {
                limit = pays ? best : 0;
            }
        }
        if (limit == 0) {
            stats.recordSkippedStep();
        }
        return new Decision(limit, probe, remeasure);
    }

    /** The k in 1..kMax with the highest predicted speedup at batch index b, or 0 when none can be predicted. */
    private int bestK(int b, int kMax) {
        int best = 0;
        double bestS = Double.NEGATIVE_INFINITY;
        for (int k = 1; k <= kMax; k++) {
            double s = predictedSpeedup(b, k);
            if (!Double.isNaN(s) && s > bestS) {
                bestS = s;
                best = k;
            }
        }
        return best;
    }

    /**
     * S(n) for draft length k from the measurements at n, or, while those are incomplete, at the
     * nearest batch size that has them (cost ratios change slowly with n); NaN when there is none.
     * See the class comment for the formula.
     */
    public double predictedSpeedup(int n, double k) {
        int b = nearestMeasured(size(n));
        double alpha = acceptance();
        if (b < 0) {
            return Double.NaN;
        }
        double t1 = targetMs[b].estimate();
        double c = draftMsPerPosition[b].estimate() / t1;
        double v = verifyMs(b, k) / t1;
        return SpeedupModel.speedup(alpha, k, c, v);
    }

    /**
     * Whether every cost at batch index b rests on {@link #FRESH_SAMPLES} clean samples or more: one
     * sample could be a GC pause or a compile, and a first decision taken on it (drafting off for
     * a draft that always agrees, say) would stand until the next probe, hundreds of steps later.
     */
    private boolean complete(int b) {
        return targetMs[b].count() >= FRESH_SAMPLES && verifyMs[b].count() >= FRESH_SAMPLES
                && draftMsPerPosition[b].count() >= FRESH_SAMPLES;
    }

    private int nearestMeasured(int b) {
        for (int d = 0; d < targetMs.length; d++) {
            if (b - d >= 1 && complete(b - d)) {
                return b - d;
            }
            if (b + d < targetMs.length && complete(b + d)) {
                return b + d;
            }
        }
        return -1;
    }

    /**
     * Verification pass time at k drafts, interpolated linearly in positions per row between t1 and
     * the measured pass. Pass time grows monotonically with positions, so the lower quartiles of
     * time and of positions describe the same pass.
     */
    private double verifyMs(int b, double k) {
        double p = verifyPositions[b].estimate();
        double t1 = targetMs[b].estimate();
        double verify = verifyMs[b].estimate();
        if (Double.isNaN(t1) || !(p > 1.01)) {
            return verify;
        }
        double perPosition = (verify - t1) / (p - 1);
        return t1 + Math.max(0, perPosition) * k;
    }

    /** Per-token acceptance estimate, or NaN before any drafted token was verified. */
    public double acceptance() {
        double total = acceptedCount + rejectedCount;
        return total <= 0 ? Double.NaN : acceptedCount / total;
    }

    /**
     * Learns from one engine step: a drafting step adds to the acceptance estimate (clean or not)
     * and, when clean, to the draft and verification costs at its batch size; a clean step without
     * drafting measures the target-only baseline t1.
     */
    public void recordStep(StepOutcome step) {
        if (step.drafted()) {
            recordAcceptance(step.acceptedTokens(), step.rejectedBlocks());
            if (step.clean()) {
                recordSpeculative(step.rows(), step.draftMs(), step.draftTokens(), step.targetMs(), step.positions());
            }
        } else if (step.clean()) {
            recordTargetOnly(step.rows(), step.targetMs());
        }
    }

    /** A target pass with one position per row and no prefill, at batch size n. */
    public void recordTargetOnly(int n, double ms) {
        targetMs[size(n)].add(ms);
    }

    /**
     * A drafting step without prefill at batch size n.
     *
     * @param draftMs         time of all draft forwards of the step
     * @param draftedTokens   draft tokens proposed over all rows
     * @param verifyMs        time of the verification pass
     * @param positions       positions verified over all rows (drafts + 1 per row)
     */
    public void recordSpeculative(int n, double draftMs, int draftedTokens, double verifyMs, int positions) {
        int b = size(n);
        if (draftedTokens > 0) {
            // Cost of one draft position for every row: draft forwards shrink as rows stop drafting.
            draftMsPerPosition[b].add(draftMs * n / draftedTokens);
        }
        this.verifyMs[b].add(verifyMs);
        verifyPositions[b].add(positions / (double) n);
    }

    /** Verification results of one drafting step, summed over rows (clean or not). */
    public void recordAcceptance(int accepted, int rejections) {
        acceptedCount = acceptedCount * (1 - ACCEPTANCE_DECAY) + accepted;
        rejectedCount = rejectedCount * (1 - ACCEPTANCE_DECAY) + rejections;
    }

    private void shrinkAcceptanceEvidence() {
        double total = acceptedCount + rejectedCount;
        if (total > EVIDENCE_WHEN_OFF) {
            acceptedCount *= EVIDENCE_WHEN_OFF / total;
            rejectedCount *= EVIDENCE_WHEN_OFF / total;
        }
    }
}
