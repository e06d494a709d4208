package org.specdec.job.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.LengthFilter;

/**
 * {@code length} (and its alias {@code count}) as in Python: a string's length counts code
 * points, so an emoji is 1 where Java's String.length() says 2.
 */
final class PythonLengthFilter extends LengthFilter {

    private final String name;

    PythonLengthFilter(String name) {
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Object filter(Object object, JinjavaInterpreter interpreter, String... arg) {
        if (object instanceof CharSequence s) {
            return Character.codePointCount(s, 0, s.length());
        }
        return super.filter(object, interpreter, arg);
    }
}
