package io.habanero.model;

/**
 * Output of GetProgrammaticAccessCredentials.
 *
 * @param credentials the temporary credentials
 * @param durationInMinutes how long they remain valid
 */
public record GetProgrammaticAccessCredentialsResponse(
    Credentials credentials, Long durationInMinutes) {}
