package org.specdec.job.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.List;
import java.util.Map;

/**
 * {@code tojson} as transformers defines it for chat templates:
 * {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}, which is
 * Python's {@code json.dumps} with those arguments (see {@link PythonJson}).
 */
final class PythonToJsonFilter implements Filter {

    private static final List<String> PARAMETERS = List.of("ensure_ascii", "indent", "separators", "sort_keys");

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object[] values = new Object[PARAMETERS.size()];
        for (int i = 0; i < args.length; i++) {
            if (i >= values.length) {
                throw new IllegalArgumentException("tojson takes at most " + values.length + " arguments");
            }
            values[i] = args[i];
        }
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            int i = PARAMETERS.indexOf(e.getKey());
            if (i < 0) {
                throw new IllegalArgumentException("tojson has no argument '" + e.getKey() + "'");
            }
            values[i] = e.getValue();
        }
        return new PythonJson(truthy(values[0]), indent(values[1]), separators(values[2]), truthy(values[3]))
                .dumps(var);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, args, Map.of());
    }

    private static boolean truthy(Object v) {
        return v instanceof Boolean b ? b : v != null && !v.toString().isEmpty() && !v.toString().equals("0");
    }

    /** Python: an int is that many spaces (0 = newlines only), a string is used as is. */
    private static String indent(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return " ".repeat(Math.max(0, n.intValue()));
        }
        return v.toString();
    }

    private static String[] separators(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> l && l.size() == 2) {
            return new String[] {String.valueOf(l.get(0)), String.valueOf(l.get(1))};
        }
        throw new IllegalArgumentException("tojson separators must be a pair of strings, got " + v);
    }
}
