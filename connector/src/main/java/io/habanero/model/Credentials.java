package io.habanero.model;

/**
 * Temporary AWS credentials. {@link #toString()} never shows the secret key or the session token.
 *
 * @param accessKeyId the access key identifier
 * @param secretAccessKey the secret access key
 * @param sessionToken the session token
 */
public record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
  @Override
  public String toString() {
    return "Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=***, sessionToken=***]";
  }
}
