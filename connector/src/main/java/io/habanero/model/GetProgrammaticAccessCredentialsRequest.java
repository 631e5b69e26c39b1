package io.habanero.model;

/**
 * Input of GetProgrammaticAccessCredentials.
 *
 * @param environmentId required, 1..26 characters
 * @param durationInMinutes optional, 60..720; null for the default of 60
 */
public record GetProgrammaticAccessCredentialsRequest(
    String environmentId, Long durationInMinutes) {}
