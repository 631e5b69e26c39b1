package io.habanero.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The value of a map flag such as {@code --format-params}, in either of the AWS CLI's two forms:
 *
 * <ul>
 *   <li>shorthand, {@code k=v,k2=v2}: a comma separates entries only when it is followed by {@code
 *       key=}, so {@code s3SourcePath=/data/a,b} keeps the comma in the path;
 *   <li>JSON, {@code {"k":"v"}}: any value may hold commas or {@code =}; numbers and booleans are
 *       taken as their text, as the model's values are all strings.
 * </ul>
 *
 * @param map the entries, in the order given
 */
public record KeyValues(Map<String, String> map) {
  /** A comma followed by {@code key=}: the only place shorthand splits entries. */
  private static final Pattern ENTRY_SEPARATOR = Pattern.compile(",(?=\\s*[A-Za-z0-9_.-]+=)");

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final ObjectMapper JSON = new ObjectMapper();

  public KeyValues {
    map = Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /**
   * Parses a map flag's value.
   *
   * @param text shorthand or a JSON object
   * @return the entries
   * @throws IllegalArgumentException naming the problem and the expected forms
   */
  public static KeyValues parse(String text) {
    String s = text == null ? "" : text.trim();
    if (s.isEmpty()) {
      return new KeyValues(Map.of());
    }
    return s.startsWith("{") ? parseJson(s) : parseShorthand(s);
  }

  private static KeyValues parseJson(String s) {
    JsonNode node;
    try {
      node = JSON.readTree(s);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "is not valid JSON ("
              + e.getOriginalMessage()
              + "); use {\"key\":\"value\"} or shorthand key=value,key2=value2");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("must be a JSON object such as {\"key\":\"value\"}");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (!v.isValueNode() || v.isNull()) {
        throw new IllegalArgumentException(
            "has a non-string value for key '" + e.getKey() + "'; every value must be a string");
      }
      out.put(e.getKey(), v.asText());
    }
    return new KeyValues(out);
  }

  private static KeyValues parseShorthand(String s) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String entry : ENTRY_SEPARATOR.split(s)) {
      int eq = entry.indexOf('=');
      String key = eq < 0 ? entry.trim() : entry.substring(0, eq).trim();
      if (eq < 0 || !KEY.matcher(key).matches()) {
        throw new IllegalArgumentException(
            "has an entry '"
                + entry
                + "' that is not key=value; use key=value,key2=value2 or a JSON object");
      }
      out.put(key, entry.substring(eq + 1));
    }
    return new KeyValues(out);
  }

  /** Picocli converter; a parse error becomes a usage error naming the flag. */
  static final class Converter implements ITypeConverter<KeyValues> {
    @Override
    public KeyValues convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' " + e.getMessage());
      }
    }
  }

  /** Splits {@code k=v} at the first {@code =}, for {@code --conf}. */
  static Map.Entry<String, String> confEntry(String text) {
    Matcher m = Pattern.compile("([^=]+)=(.*)", Pattern.DOTALL).matcher(text);
    if (!m.matches() || m.group(1).isBlank()) {
      throw new TypeConversionException("--conf '" + text + "' is not key=value");
    }
    return Map.entry(m.group(1).trim(), m.group(2));
  }
}
