package org.specdec.udf;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.Tuple3;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Makes {@code spec_generate} available in every session, including the spark-sql shell:
 * {@code --conf spark.sql.extensions=org.specdec.udf.SpecdecSqlExtensions}.
 */
public final class SpecdecSqlExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        extensions.injectFunction(new Tuple3<>(SpecGenerate.identifier(), SpecGenerate.info(), SpecGenerate.builder()));
        return BoxedUnit.UNIT;
    }
}
