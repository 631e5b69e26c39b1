package io.habanero.jobs.rest;

/**
 * An error the endpoint answers itself, before the engine is involved: authentication, a malformed
 * request, a bound of the model, an unknown route, a full queue. It carries the HTTP status and the
 * AWS error type that clients parse from {@code x-amzn-ErrorType} and {@code __type}. Messages say
 * what is wrong and how to fix it, and never hold a secret.
 */
final class WireError extends RuntimeException {
  private final int status;
  private final String type;

  private WireError(int status, String type, String message) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  static WireError validation(String message) {
    return new WireError(400, "ValidationException", message);
  }

  /** {@code <member> '<value>' is invalid: <problem>. Fix: <fix>.}, as the engine words it. */
  static WireError invalid(String member, String value, String problem, String fix) {
    return validation(
        String.format("%s '%s' is invalid: %s. Fix: %s.", member, clip(value), problem, fix));
  }

  static WireError missing(String member, String fix) {
    return validation(
        String.format("%s is required but was missing or blank. Fix: %s.", member, fix));
  }

  static WireError tooLarge(long limit) {
    return new WireError(
        413,
        "ValidationException",
        "The request body is larger than the endpoint's limit of "
            + limit
            + " bytes. Fix: send a smaller request; changeset data is staged under the working"
            + " location, never sent in the request body.");
  }

  static WireError unknownRoute(String method, String path) {
    return new WireError(
        404,
        "UnknownOperationException",
        "No FinSpace Data operation is served at "
            + method
            + " "
            + clip(path)
            + ". Fix: use a route of the finspace-data API (for example POST"
            + " /datasets/{datasetId}/changesetsv2 or GET /datasets/{datasetId}/changesetsv2);"
            + " set the client's endpoint URL to this server's root.");
  }

  static WireError throttled(int running, int queued) {
    return new WireError(
        429,
        "ThrottlingException",
        "The endpoint already has "
            + running
            + " changesets running and "
            + queued
            + " waiting, its limit; nothing was recorded for this request. Fix: retry later"
            + " (the AWS SDKs retry ThrottlingException with backoff), or start the endpoint with"
            + " a larger --max-queued.");
  }

  static WireError throttledCredentials(int limit) {
    return new WireError(
        429,
        "ThrottlingException",
        "The endpoint holds "
            + limit
            + " unexpired issued credentials, its limit. Fix: reuse credentials until they expire"
            + " instead of asking for new ones per call, or retry later.");
  }

  static WireError stopping() {
    return new WireError(
        503,
        "ServiceUnavailableException",
        "The endpoint is shutting down and accepts no new changesets. Fix: retry against the"
            + " restarted endpoint; changesets already accepted keep running or are resolved by"
            + " crash recovery.");
  }

  // Authentication failures: HTTP 403 with the types AWS services use.

  static WireError missingAuthentication() {
    return new WireError(
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token: the request has no AWS Signature Version 4"
            + " Authorization header. Fix: send it through an AWS SDK or the AWS CLI with this"
            + " endpoint's keys, or with credentials from GetProgrammaticAccessCredentials.");
  }

  static WireError incompleteSignature(String problem) {
    return new WireError(
        403,
        "IncompleteSignatureException",
        "The request's AWS Signature Version 4 is incomplete: "
            + problem
            + ". Fix: sign requests with an AWS SDK for the service name 'finspace-api'.");
  }

  static WireError invalidSignature(String problem) {
    return new WireError(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided: "
            + problem
            + ". Fix: check the secret access key, and that nothing between the client and this"
            + " endpoint changes the request.");
  }

  static WireError signatureExpired(String amzDate, long skewMinutes) {
    return new WireError(
        403,
        "InvalidSignatureException",
        "Signature expired: the request's X-Amz-Date "
            + amzDate
            + " is more than "
            + skewMinutes
            + " minutes from the endpoint's clock. Fix: correct the client's clock, and sign each"
            + " request when it is sent.");
  }

  static WireError unrecognizedClient() {
    return new WireError(
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid: the access key id is not one of"
            + " this endpoint's keys, or its session token does not match. Fix: use the keys in"
            + " HABANERO_ACCESS_KEY_ID / HABANERO_SECRET_ACCESS_KEY, or credentials this endpoint"
            + " issued through GetProgrammaticAccessCredentials.");
  }

  static WireError expiredToken() {
    return new WireError(
        403,
        "ExpiredTokenException",
        "The security token included in the request is expired. Fix: call"
            + " GetProgrammaticAccessCredentials again and build the client from the new"
            + " credentials.");
  }

  static String clip(String s) {
    if (s == null) {
      return "null";
    }
    String one = s.replaceAll("\\p{Cntrl}", "?");
    return one.length() <= 120 ? one : one.substring(0, 117) + "...";
  }
}
