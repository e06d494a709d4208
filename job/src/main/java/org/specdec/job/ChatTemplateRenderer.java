package org.specdec.job;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceLocator;
import java.beans.FeatureDescriptor;
import java.nio.charset.Charset;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Renders a Hugging Face {@code chat_template} (untrusted text from a model directory) with Jinjava
 * locked down: no method calls on objects (except a few Python string methods implemented here,
 * without reflection), no file or classpath access ({@code include}, {@code import}, {@code from},
 * {@code extends} are disabled and the resource locator refuses everything), bounded output.
 * Like transformers' renderer it uses trim_blocks and lstrip_blocks and provides
 * {@code raise_exception(message)}.
 */
final class ChatTemplateRenderer {

    private static final Set<String> STRING_METHODS = Set.of("strip", "lstrip", "rstrip", "upper", "lower",
            "startswith", "endswith", "title");
    private static final long MAX_OUTPUT_CHARS = 1 << 20;

    private final Jinjava jinjava;
    private final String template;

    ChatTemplateRenderer(String template) {
        this.template = template;
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxRenderDepth(10)
                .withReadOnlyResolver(true)
                .withElResolver(new NoMethodCallsResolver(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY))
                .withDisabled(Map.of(Context.Library.TAG, Set.of("include", "import", "from", "extends")))
                .build();
        this.jinjava = new Jinjava(config);
        this.jinjava.setResourceLocator(new NoFilesLocator());
        this.jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplateRenderer.class,
                "raiseException", String.class));
    }

    String render(Map<String, Object> vars) {
        RenderResult r = jinjava.renderForResult(template, vars);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template error: " + e.getMessage());
            }
        }
        return r.getOutput();
    }

    /** {@code raise_exception('...')} in a template: the template refuses its input. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException("chat template raised: " + message);
    }

    /** Resolves properties as Jinjava does, refuses method calls (but for a few string methods). */
    private static final class NoMethodCallsResolver extends ELResolver {
        private final ELResolver delegate;

        NoMethodCallsResolver(ELResolver delegate) {
            this.delegate = delegate;
        }

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            String name = String.valueOf(method);
            if (base instanceof String s && STRING_METHODS.contains(name)) {
                context.setPropertyResolved(true);
                return stringMethod(s, name, params);
            }
            throw new ELException("method calls are disabled in chat templates: ." + name + "()");
        }

        private static Object stringMethod(String s, String name, Object[] params) {
            String arg = params != null && params.length > 0 && params[0] != null ? params[0].toString() : null;
            return switch (name) {
                case "strip" -> arg == null ? s.strip() : stripChars(stripChars(s, arg, true), arg, false);
                case "lstrip" -> arg == null ? s.stripLeading() : stripChars(s, arg, true);
                case "rstrip" -> arg == null ? s.stripTrailing() : stripChars(s, arg, false);
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "startswith" -> arg != null && s.startsWith(arg);
                case "endswith" -> arg != null && s.endsWith(arg);
                case "title" -> title(s);
                default -> throw new ELException("method calls are disabled in chat templates: ." + name + "()");
            };
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

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            return delegate.getValue(context, base, property);
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return delegate.getType(context, base, property);
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            delegate.setValue(context, base, property, value);
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return delegate.isReadOnly(context, base, property);
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return delegate.getFeatureDescriptors(context, base);
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return delegate.getCommonPropertyType(context, base);
        }
    }

    /** {@code include} and friends have nothing to read. */
    private static final class NoFilesLocator implements ResourceLocator {
        @Override
        public String getString(String fullName, Charset encoding, JinjavaInterpreter interpreter) {
            throw new IllegalArgumentException("file access is disabled in chat templates: " + fullName);
        }
    }
}
