package org.specdec.job.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava with Jinja's precedence for {@code not}. Jinjava's expression parser (JUEL) binds
 * {@code not} tighter than anything, so Llama 3.1's {@code not message.tool_calls|length == 1}
 * would compare a boolean with 1 and {@code not tools is defined} would test the boolean. In Jinja,
 * {@code not} applies to the whole comparison and binds tighter only than {@code and} and
 * {@code or}; this parser puts it there.
 */
final class JinjaExpressions {

    private JinjaExpressions() {
    }

    /** A Jinjava whose templates parse expressions with {@link JinjaParser}. */
    static Jinjava jinjava(JinjavaConfig config) {
        return new Jinjava(config) {
            // The features Jinjava's own factory gets from its default profile.
            private final ExpressionFactory expressions = new ExpressionFactoryImpl(
                    new TreeStore(new JinjaSyntaxBuilder(Builder.Feature.METHOD_INVOCATIONS, Builder.Feature.VARARGS),
                            new Cache(1000)), new TruthyTypeConverter());

            @Override
            public ExpressionFactory getExpressionFactory() {
                return expressions;
            }
        };
    }

    /** Jinjava's syntax (filters, tests, Python operators) with {@link JinjaParser}. */
    static final class JinjaSyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        JinjaSyntaxBuilder(Builder.Feature... features) {
            super(features);
        }

        @Override
        protected Parser createParser(String expression) {
            return new JinjaParser(this, expression);
        }
    }

    /** {@code and} → {@code not} → comparisons, as Jinja's grammar has it. */
    static final class JinjaParser extends ExtendedParser {
        JinjaParser(Builder context, String input) {
            super(context, input);
        }

        @Override
        protected AstNode and(boolean required) throws Scanner.ScanException, ParseException {
            AstNode v = not(required);
            if (v == null) {
                return null;
            }
            while (getToken().getSymbol() == Scanner.Symbol.AND) {
                consumeToken();
                v = createAstBinary(v, not(true), AstBinary.AND);
            }
            return v;
        }

        private AstNode not(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(not(true), AstUnary.NOT);
            }
            return eq(required);
        }
    }
}
