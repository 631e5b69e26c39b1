package io.habanero.internal.engine;

import io.habanero.internal.Errors;
import io.habanero.internal.Ids;
import io.habanero.internal.changeset.ChangesetLog;
import io.habanero.internal.changeset.ChangesetRecord;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * ListChangesets page tokens: {@code base64url("<slot>.<changesetId>")}, the listing slot the next
 * page starts at and the changeset in the slot before it, which ties the token to its dataset. A
 * token of the earlier form (the last changeset id alone) still works, through its record's slot.
 */
final class PageTokens {
  private PageTokens() {}

  static String encode(long nextSlot, String lastChangesetId) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((nextSlot + "." + lastChangesetId).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The slot the page of {@code token} starts at (0 for no token).
   *
   * @throws io.habanero.errors.ValidationException if the token is not one this API returned for
   *     the dataset
   */
  static long decode(String token, String datasetId, ChangesetLog log) {
    if (token == null) {
      return 0;
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw notOurs(token);
    }
    int dot = text.indexOf('.');
    if (dot < 0) {
      // The earlier form: the last changeset id of the previous page.
      if (!Ids.isValid(text)) {
        throw notOurs(token);
      }
      Optional<ChangesetRecord> r = log.find(datasetId, text);
      if (r.isEmpty()) {
        throw notOfDataset(token, datasetId);
      }
      if (r.get().seq != null) {
        return r.get().seq + 1;
      }
      // A record made before the index: find its slot once (a token from before an upgrade).
      for (long n = 0; ; n++) {
        Optional<String> id = log.slot(datasetId, n);
        if (id.isEmpty()) {
          throw notOfDataset(token, datasetId);
        }
        if (id.get().equals(text)) {
          return n + 1;
        }
      }
    }
    long slot;
    try {
      slot = Long.parseLong(text.substring(0, dot));
    } catch (NumberFormatException e) {
      throw notOurs(token);
    }
    String last = text.substring(dot + 1);
    if (slot < 1 || !Ids.isValid(last)) {
      throw notOurs(token);
    }
    if (!log.slot(datasetId, slot - 1).map(last::equals).orElse(false)) {
      throw notOfDataset(token, datasetId);
    }
    return slot;
  }

  private static RuntimeException notOurs(String token) {
    return Errors.invalid(
        "nextToken",
        token,
        "it is not a token this API returned",
        "pass the nextToken of the previous page, or none");
  }

  private static RuntimeException notOfDataset(String token, String datasetId) {
    return Errors.invalid(
        "nextToken",
        token,
        "it does not belong to dataset " + datasetId,
        "pass the nextToken of the previous page of this dataset");
  }
}
