package org.specdec.engine;

import java.util.List;

/**
 * What the engine learns from the opened checkpoints, beside its settings.
 *
 * @param targetName target model name (directory name + short content hash)
 * @param draftName  draft model name ({@code self:N} for a self-draft), or null without a draft
 * @param eosIds     token ids that end a row
 */
public record LoadedModels(String targetName, String draftName, List<Integer> eosIds) {

    public LoadedModels {
        eosIds = List.copyOf(eosIds);
    }
}
