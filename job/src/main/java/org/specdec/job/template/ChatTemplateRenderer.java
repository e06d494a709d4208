package org.specdec.job.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceLocator;
import java.nio.charset.Charset;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Renders a Hugging Face {@code chat_template} (untrusted text from a model directory) the way
 * transformers does (Jinja with trim_blocks, lstrip_blocks and loop controls; {@code tojson} as
 * Python's json.dumps; {@code raise_exception(message)}), with Jinjava locked down:
 * <ul>
 *   <li>prompts are data: a value that contains {@code {{ }}} or {@code {% %}} is printed as is
 *       (Jinjava's nested interpretation, on by default, would render it as a template);</li>
 *   <li>no file or classpath access ({@code include}, {@code import}, {@code from}, {@code extends}
 *       are disabled and the resource locator refuses everything);</li>
 *   <li>no Java methods or getters ({@link SandboxResolver}); the filters are Jinja's built-in ones,
 *       the functions {@code range}, {@code namespace} and {@code raise_exception};</li>
 *   <li>bounded output, strings, lists, nesting, and CPU time per rendering ({@link RenderGuard}).</li>
 * </ul>
 * Not thread-safe for the caller's purposes: one renderer per task.
 */
public final class ChatTemplateRenderer {

    /** Jinja's built-in filters (what transformers' sandboxed environment has); Jinjava's extras are off. */
    private static final Set<String> JINJA_FILTERS = Set.of("abs", "attr", "batch", "capitalize", "center", "count",
            "d", "default", "dictsort", "e", "escape", "filesizeformat", "first", "float", "forceescape", "format",
            "groupby", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
            "pprint", "random", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
            "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate",
            "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr");
    private static final Set<String> JINJA_FUNCTIONS = Set.of(":range", ":namespace", ":raise_exception");
    private static final Set<String> FILE_TAGS = Set.of("include", "import", "from", "extends");
    private static final long MAX_OUTPUT_CHARS = 1 << 20;
    /**
     * Jinja's behaviour where Jinjava's legacy default differs: operator precedence
     * ({@code not x|length == 1}), '-' trimming beside expressions and comments, a dict iterates
     * over its keys, Python-style printing. ({@code whitespaceRequiredWithinTokens} stays off:
     * templates write {@code {{'text'}}}.)
     */
    private static final LegacyOverrides JINJA_SEMANTICS = LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withParseWhitespaceControlStrictly(true)
            .withAllowAdjacentTextNodes(true)
            .withIterateOverMapKeys(true)
            .withEvaluateMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withKeepNullableLoopValues(true)
            .build();

    private final Jinjava jinjava;
    private final String template;
    private final long timeLimitMillis;

    /**
     * @param template        the chat_template text
     * @param timeLimitMillis CPU time one {@link #render} may take
     */
    public ChatTemplateRenderer(String template, long timeLimitMillis) {
        this.template = LstripBlocks.apply(template);
        this.timeLimitMillis = timeLimitMillis;
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withLegacyOverrides(JINJA_SEMANTICS)
                .withTrimBlocks(true)
                .withLstripBlocks(false) // Jinja's rule is applied to the source: LstripBlocks
                .withNestedInterpretationEnabled(false)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(100_000)
                .withMaxMapSize(100_000)
                .withRangeLimit(100_000)
                .withMaxRenderDepth(10)
                .withMaxMacroRecursionDepth(20)
                .withReadOnlyResolver(true)
                .withElResolver(new SandboxResolver(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY))
                .withProcessors(JinjavaProcessors.newBuilder()
                        .withNodePreProcessor((node, interpreter) -> RenderGuard.check()).build())
                .withDisabled(Map.of(Context.Library.TAG, FILE_TAGS, Context.Library.FILTER, Disabled.FILTERS,
                        Context.Library.FUNCTION, Disabled.FUNCTIONS))
                .build();
        this.jinjava = JinjaExpressions.jinjava(config);
        this.jinjava.setResourceLocator(new NoFilesLocator());
        this.jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplateRenderer.class,
                "raiseException", String.class));
        this.jinjava.registerFilter(new PythonToJsonFilter());
        this.jinjava.registerFilter(new ItemsFilter());
        this.jinjava.registerFilter(new PythonLengthFilter("length"));
        this.jinjava.registerFilter(new PythonLengthFilter("count"));
    }

    /**
     * The rendered text.
     *
     * @throws IllegalArgumentException naming the cause: the template raised, used a refused
     *                                  feature, ran out of time, or has an error
     */
    public String render(Map<String, Object> vars) {
        return RenderGuard.run(timeLimitMillis, () -> {
            RenderResult r = jinjava.renderForResult(template, vars);
            for (TemplateError e : r.getErrors()) {
                if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                    throw new IllegalArgumentException("chat template error: " + e.getMessage());
                }
            }
            return r.getOutput();
        });
    }

    /** {@code raise_exception('...')} in a template: the template refuses its input. */
    public static String raiseException(String message) {
        throw RenderGuard.stop("chat template raised: " + message);
    }

    /** Names switched off in Jinjava's libraries, computed once from its defaults. */
    private static final class Disabled {
        static final Set<String> FILTERS = new HashSet<>();
        static final Set<String> FUNCTIONS = new HashSet<>();

        static {
            Context defaults = new Jinjava().getGlobalContext();
            for (Filter f : defaults.getAllFilters()) {
                if (!JINJA_FILTERS.contains(f.getName())) {
                    FILTERS.add(f.getName());
                }
            }
            for (ELFunctionDefinition f : defaults.getAllFunctions()) {
                if (!JINJA_FUNCTIONS.contains(f.getName())) {
                    FUNCTIONS.add(f.getName());
                }
            }
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
