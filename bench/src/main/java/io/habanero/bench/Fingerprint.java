package io.habanero.bench;

import java.math.BigDecimal;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Row count plus an order-independent content hash (the sum of each row's xxhash64). */
record Fingerprint(long rows, BigDecimal hashSum) {
  static Fingerprint of(Dataset<Row> df) {
    Row r =
        df.selectExpr("xxhash64(*) AS h")
            .selectExpr("count(*) AS n", "sum(cast(h AS DECIMAL(38,0))) AS s")
            .first();
    return new Fingerprint(r.getLong(0), r.isNullAt(1) ? BigDecimal.ZERO : r.getDecimal(1));
  }
}
