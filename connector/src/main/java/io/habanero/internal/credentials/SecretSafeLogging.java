package io.habanero.internal.credentials;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Keeps the AWS SDKs' request logging from printing secrets. At DEBUG, the SDKs' signers log the
 * canonical request, session token header included, and the HTTP client's header and wire logs show
 * every header and the STS response body with the secret key. Whenever Habanero is about to handle
 * temporary credentials, it raises exactly those loggers to INFO if they are set lower, and says so
 * once. Nothing else about logging is changed.
 */
public final class SecretSafeLogging {
  /** Loggers that print request headers or bodies below INFO. */
  static final List<String> LEAKY =
      List.of(
          "com.amazonaws.auth.AWS4Signer",
          "com.amazonaws.request",
          "com.amazonaws.http",
          "software.amazon.awssdk.auth.signer",
          "software.amazon.awssdk.http.auth",
          "software.amazon.awssdk.request",
          "software.amazon.awssdk.http",
          "software.amazon.awssdk.core.interceptor",
          "org.apache.http.wire",
          "org.apache.http.headers",
          "org.apache.hc.client5.http.wire",
          "org.apache.hc.client5.http.headers");

  private static final AtomicBoolean TOLD = new AtomicBoolean();
  private static final Logger LOG = LogManager.getLogger(SecretSafeLogging.class);

  private SecretSafeLogging() {}

  /** Raises the loggers that would print secrets to INFO, if they are set lower. */
  public static void apply() {
    for (String name : LEAKY) {
      if (LogManager.getLogger(name).isDebugEnabled()) {
        Configurator.setLevel(name, Level.INFO);
        if (TOLD.compareAndSet(false, true)) {
          LOG.info(
              "Raised AWS SDK request/wire loggers such as {} to INFO: below INFO they print"
                  + " session tokens and secret keys.",
              name);
        }
      }
    }
  }
}
