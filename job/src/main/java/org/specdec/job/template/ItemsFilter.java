package org.specdec.job.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Jinja's {@code items} filter ({@code for k, v in d | items}): a mapping's (key, value) pairs; nothing for undefined. */
final class ItemsFilter implements Filter {

    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return pairs(var);
    }

    static List<List<Object>> pairs(Object var) {
        List<List<Object>> out = new ArrayList<>();
        if (var == null) {
            return out;
        }
        if (!(var instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("items needs a mapping, got " + var.getClass().getSimpleName());
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            out.add(new ArrayList<>(Arrays.asList(e.getKey(), e.getValue())));
        }
        return out;
    }
}
