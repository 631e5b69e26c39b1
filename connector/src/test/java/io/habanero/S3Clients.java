package io.habanero;

import io.habanero.testkit.S3Server;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** AWS SDK v2 S3 clients for the loopback S3 server, as a user's own uploads would be made. */
public final class S3Clients {
  private S3Clients() {}

  /** A path-style client for {@code s3} that signs with temporary (session) credentials. */
  public static S3Client withSessionCredentials(
      S3Server s3, String accessKeyId, String secretAccessKey, String sessionToken) {
    return S3Client.builder()
        .endpointOverride(s3.endpoint())
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsSessionCredentials.create(accessKeyId, secretAccessKey, sessionToken)))
        .build();
  }
}
