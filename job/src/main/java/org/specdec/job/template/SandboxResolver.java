package org.specdec.job.template;

import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.PropertyNotFoundException;

/**
 * What a chat template may reach, in the spirit of Jinja's sandbox: keys of mappings, items of
 * lists, the {@code loop} variable's fields, and a few Python string and dict methods implemented
 * here without reflection. Java getters ({@code ''.bytes}) and methods are out of reach: an
 * unknown attribute is undefined, a method call stops the rendering. Jinjava's own filter and test
 * invocations pass through. Every lookup also checks the rendering's time budget.
 */
final class SandboxResolver extends ELResolver {

    private static final Set<String> LOOP_FIELDS = Set.of("index", "index0", "revindex", "revindex0", "first",
            "last", "length", "depth", "depth0");

    private final ELResolver jinjava;

    /** @param jinjava Jinjava's read-only resolver, for the lookups allowed here */
    SandboxResolver(ELResolver jinjava) {
        this.jinjava = jinjava;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        RenderGuard.check();
        if (base == null || base instanceof Map<?, ?> || (base instanceof ForLoop && LOOP_FIELDS.contains(
                String.valueOf(property))) || ((base instanceof List<?> || base.getClass().isArray())
                && isIndex(property))) {
            return jinjava.getValue(context, base, property);
        }
        // Undefined, as in Jinja; the message is kept as a warning.
        throw new PropertyNotFoundException("'" + property + "' of " + base.getClass().getSimpleName()
                + " is not available in chat templates");
    }

    private static boolean isIndex(Object property) {
        if (property instanceof Number) {
            return true;
        }
        String s = String.valueOf(property);
        return !s.isEmpty() && s.chars().allMatch(c -> Character.isDigit(c) || c == '-');
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        RenderGuard.check();
        String name = String.valueOf(method);
        if ((base instanceof Filter && name.equals("filter")) || (base instanceof ExpTest && name.startsWith("evaluate"))
                || (base instanceof ForLoop && name.equals("cycle"))) {
            return jinjava.invoke(context, base, method, paramTypes, params);
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        if (base instanceof String s) {
            result = PythonStringMethods.call(s, name, args);
        } else if (base instanceof Map<?, ?> m) {
            result = dictMethod(m, name, args);
        } else {
            result = null;
        }
        if (result == null && !(base instanceof Map<?, ?> && name.equals("get"))) {
            throw RenderGuard.stop("method calls are disabled in chat templates: ." + name + "() on "
                    + (base == null ? "null" : base.getClass().getSimpleName()));
        }
        context.setPropertyResolved(true);
        return result;
    }

    /** dict.items(), keys(), values(), get(key[, default]); null for anything else. */
    private static Object dictMethod(Map<?, ?> m, String name, Object[] args) {
        return switch (name) {
            case "items" -> ItemsFilter.pairs(m);
            case "keys" -> new ArrayList<>(m.keySet());
            case "values" -> new ArrayList<>(m.values());
            case "get" -> {
                if (args.length < 1 || args.length > 2) {
                    throw new ELException("dict.get takes 1 or 2 arguments");
                }
                Object v = m.get(args[0]);
                yield v != null || m.containsKey(args[0]) ? v : args.length == 2 ? args[1] : null;
            }
            default -> null;
        };
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        throw new ELException("chat templates cannot change objects");
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return Object.class;
    }

    /** Python's str methods that chat templates use, on Java strings. */
    static final class PythonStringMethods {
        private PythonStringMethods() {
        }

        /** The result, or null when {@code name} is not one of them. */
        static Object call(String s, String name, Object[] a) {
            String arg0 = a.length > 0 && a[0] != null ? a[0].toString() : null;
            return switch (name) {
                case "strip" -> arg0 == null ? s.strip() : stripChars(stripChars(s, arg0, true), arg0, false);
                case "lstrip" -> arg0 == null ? s.stripLeading() : stripChars(s, arg0, true);
                case "rstrip" -> arg0 == null ? s.stripTrailing() : stripChars(s, arg0, false);
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "title" -> title(s);
                case "capitalize" -> s.isEmpty() ? s
                        : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
                case "startswith" -> anyOf(a.length > 0 ? a[0] : null).stream().anyMatch(s::startsWith);
                case "endswith" -> anyOf(a.length > 0 ? a[0] : null).stream().anyMatch(s::endsWith);
                case "split" -> split(s, arg0, a.length > 1 && a[1] != null ? ((Number) a[1]).intValue() : -1);
                case "replace" -> {
                    if (a.length < 2) {
                        throw new ELException("str.replace takes 2 or 3 arguments");
                    }
                    yield replace(s, String.valueOf(a[0]), String.valueOf(a[1]),
                            a.length > 2 ? ((Number) a[2]).intValue() : -1);
                }
                case "find" -> (long) s.indexOf(arg0 == null ? "" : arg0);
                case "join" -> {
                    List<String> parts = new ArrayList<>();
                    if (a.length > 0 && a[0] instanceof Collection<?> c) {
                        c.forEach(x -> parts.add(String.valueOf(x)));
                    }
                    yield String.join(s, parts);
                }
                default -> null;
            };
        }

        private static List<String> anyOf(Object prefixes) {
            if (prefixes instanceof Collection<?> c) {
                return c.stream().map(String::valueOf).toList();
            }
            return prefixes == null ? List.of() : List.of(prefixes.toString());
        }

        private static String stripChars(String s, String chars, boolean leading) {
            int b = 0;
            int e = s.length();
            if (leading) {
                while (b < e && chars.indexOf(s.charAt(b)) >= 0) {
                    b++;
                }
            } else {
                while (e > b && chars.indexOf(s.charAt(e - 1)) >= 0) {
                    e--;
                }
            }
            return s.substring(b, e);
        }

        private static String title(String s) {
            StringBuilder b = new StringBuilder(s.length());
            boolean start = true;
            for (char c : s.toCharArray()) {
                b.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
                start = !Character.isLetter(c);
            }
            return b.toString();
        }

        /** Python's split: no separator splits on runs of whitespace and drops empty parts. */
        private static List<String> split(String s, String sep, int maxSplit) {
            List<String> out = new ArrayList<>();
            if (sep == null) {
                String rest = s.stripLeading();
                while (!rest.isEmpty()) {
                    if (maxSplit >= 0 && out.size() == maxSplit) {
                        out.add(rest);
                        return out;
                    }
                    int i = 0;
                    while (i < rest.length() && !Character.isWhitespace(rest.charAt(i))) {
                        i++;
                    }
                    out.add(rest.substring(0, i));
                    rest = rest.substring(i).stripLeading();
                }
                return out;
            }
            if (sep.isEmpty()) {
                throw new ELException("empty separator");
            }
            int from = 0;
            while (maxSplit < 0 || out.size() < maxSplit) {
                int i = s.indexOf(sep, from);
                if (i < 0) {
                    break;
                }
                out.add(s.substring(from, i));
                from = i + sep.length();
            }
            out.add(s.substring(from));
            return out;
        }

        private static String replace(String s, String old, String with, int count) {
            if (count < 0 || old.isEmpty()) {
                return s.replace(old, with);
            }
            StringBuilder b = new StringBuilder();
            int from = 0;
            for (int n = 0; n < count; n++) {
                int i = s.indexOf(old, from);
                if (i < 0) {
                    break;
                }
                b.append(s, from, i).append(with);
                from = i + old.length();
            }
            return b.append(s.substring(from)).toString();
        }
    }
}
