package io.habanero.internal.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.habanero.internal.Errors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Spark's multiLine JSON reader parses the first document of each file and ignores the rest, so a
 * file of several documents one after another (pretty-printed objects, as many exporters write
 * them) would lose all but its first. Before such a source is read, each file's top-level values
 * are counted, in Spark tasks next to the data; a file with more than one fails the changeset.
 */
final class JsonDocuments {
  private JsonDocuments() {}

  /**
   * @throws io.habanero.errors.ValidationException naming the first file that holds more than one
   *     document (or text after its first)
   */
  static void checkOnePerFile(SparkSession spark, String[] paths, String encoding) {
    List<String> found =
        spark
            .read()
            .format("binaryFile")
            .load(paths)
            .select("path", "content")
            .flatMap(new CountDocuments(encoding), Encoders.STRING())
            .limit(1)
            .collectAsList();
    if (!found.isEmpty()) {
      String hit = found.get(0);
      int tab = hit.indexOf('\t');
      throw Errors.concatenatedJson(hit.substring(tab + 1), Long.parseLong(hit.substring(0, tab)));
    }
  }

  /** "documents\tpath" for each file with more than one top-level value. */
  private static final class CountDocuments implements FlatMapFunction<Row, String> {
    private static final long serialVersionUID = 1L;
    private final String encoding;

    /** Made once per task's copy of the function, not per file (a Configuration is costly). */
    private transient CompressionCodecFactory codecs;

    CountDocuments(String encoding) {
      this.encoding = encoding;
    }

    @Override
    public Iterator<String> call(Row file) {
      String path = file.getString(0);
      long n = count(path, (byte[]) file.get(1));
      return n > 1 ? List.of(n + "\t" + path).iterator() : List.<String>of().iterator();
    }

    private long count(String path, byte[] content) {
      long n = 0;
      try (InputStream in = decompressed(path, content);
          JsonParser p =
              encoding == null || encoding.equalsIgnoreCase("UTF-8")
                  ? new JsonFactory().createParser(in)
                  : new JsonFactory()
                      .createParser(new InputStreamReader(in, Charset.forName(encoding)))) {
        while (p.nextToken() != null) {
          p.skipChildren();
          n++;
        }
      } catch (JsonProcessingException e) {
        // Not JSON at all is Spark's to report; text after a first document is one more.
        return n > 0 ? n + 1 : n;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return n;
    }

    private InputStream decompressed(String path, byte[] content) throws IOException {
      InputStream raw = new ByteArrayInputStream(content);
      if (codecs == null) {
        codecs = new CompressionCodecFactory(new Configuration());
      }
      CompressionCodec codec = codecs.getCodec(new Path(path));
      return codec == null ? raw : codec.createInputStream(raw);
    }
  }
}
