package org.specdec.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A result as a JSON object: the {@link OutputColumn}s that come from the result, in their order,
 * under their column names.
 */
public final class ResultJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultJson() {}

    public static Map<String, Object> toMap(GenerationResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (OutputColumn c : OutputColumn.values()) {
            if (c.fromResult()) {
                m.put(c.columnName(), c.valueOf(r));
            }
        }
        return m;
    }

    public static String toJson(GenerationResult r) {
        try {
            return JSON.writeValueAsString(toMap(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
