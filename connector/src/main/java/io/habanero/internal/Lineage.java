package io.habanero.internal;

/** The hidden column that tags each row of a dataset with the changeset that wrote it. */
public final class Lineage {
  private Lineage() {}

  /** Its name. */
  public static final String COLUMN = "_habanero_changeset_id";
}
