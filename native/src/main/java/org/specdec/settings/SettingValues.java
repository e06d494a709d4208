package org.specdec.settings;

import java.util.function.Function;

/** Where a surface's settings come from: a job config, a Spark conf, a command line. */
public interface SettingValues {

    /** The typed value of {@code setting} here, or its default when unset; errors name the setting as set here. */
    <T> T get(Setting<T> setting);

    /**
     * Values from a lookup of raw values ({@code raw} returns null when unset), where the user
     * calls each setting {@code nameOf(setting)} (for error messages).
     */
    static SettingValues of(Function<Setting<?>, Object> raw, Function<Setting<?>, String> nameOf) {
        return new SettingValues() {
            @Override
            public <T> T get(Setting<T> setting) {
                return setting.valueOf(raw.apply(setting), nameOf.apply(setting));
            }
        };
    }
}
