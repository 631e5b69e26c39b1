package io.habanero;

import static com.tngtech.archunit.core.domain.JavaAccess.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.conditions.ArchPredicates.are;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.habanero.errors.HabaneroException;

/**
 * The connector's package rules (issue 12: one job per file, dependencies in one direction). Only
 * production classes are analysed.
 *
 * <pre>
 * io.habanero, .model, .errors, .spark, .s3   public
 * io.habanero.internal.engine    the changeset operations behind Habanero
 * io.habanero.internal.sweep     the sweep of leftovers
 * io.habanero.internal.ingest    one changeset's run: source, schema rules, commit protocol
 * io.habanero.internal.changeset the changeset records
 * io.habanero.internal.delta     the one adapter of Delta's internals
 * io.habanero.internal.warehouse the warehouse layout and file system
 * io.habanero.internal.credentials  STS
 * io.habanero.internal           leaf helpers: Errors, ErrorClassifier, Ids, Json, Validation ...
 * </pre>
 *
 * Dependencies run down that list, and nothing points back up.
 */
@AnalyzeClasses(
    packages = "io.habanero",
    importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {
  /** (a) No cycles between the packages below io.habanero. */
  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.habanero.(**)").should().beFreeOfCycles();

  /**
   * (b) The public packages reach the implementation only through the entry points: Habanero, and
   * HabaneroCredentialsProvider (the class S3A loads by name). They may use the root package's leaf
   * helpers, because a public class that refuses bad input must build its exception in Errors (rule
   * c), the one factory: HabaneroSettings, the data source's option parser, ChangesetHandle.
   */
  @ArchTest
  static final ArchRule publicPackagesUseInternalOnlyThroughTheEntryPoints =
      noClasses()
          .that()
          .resideInAnyPackage(
              "io.habanero",
              "io.habanero.spark..",
              "io.habanero.s3..",
              "io.habanero.model..",
              "io.habanero.errors..")
          .and()
          .doNotHaveFullyQualifiedName(Habanero.class.getName())
          .and()
          .doNotHaveFullyQualifiedName("io.habanero.s3.HabaneroCredentialsProvider")
          .should()
          .dependOnClassesThat(
              are(resideInAPackage("io.habanero.internal.."))
                  .and(DescribedPredicate.not(resideInAPackage("io.habanero.internal"))))
          .as(
              "public classes other than the entry points use no implementation package (the"
                  + " root package's leaf helpers excepted)");

  /** (b) The model and its errors are plain types: they never depend on the implementation. */
  @ArchTest
  static final ArchRule modelAndErrorsNeverDependOnInternal =
      noClasses()
          .that()
          .resideInAnyPackage("io.habanero.model..", "io.habanero.errors..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.habanero.internal..");

  /**
   * (c) Habanero's exceptions are built only by Errors (an exception's own constructor calling its
   * superclass's is fine).
   */
  @ArchTest
  static final ArchRule onlyErrorsBuildsHabanerosExceptions =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName("io.habanero.internal.Errors")
          .and()
          .areNotAssignableTo(HabaneroException.class)
          .should()
          .callConstructorWhere(target(owner(assignableTo(HabaneroException.class))));

  /** (d) Only the Delta adapter uses Delta's classes. */
  @ArchTest
  static final ArchRule onlyTheDeltaAdapterUsesDelta =
      noClasses()
          .that()
          .resideOutsideOfPackage("io.habanero.internal.delta..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.apache.spark.sql.delta..", "io.delta..");

  /** (e) The root internal package holds leaf helpers: they use only the model and its errors. */
  @ArchTest
  static final ArchRule internalRootIsALeaf =
      noClasses()
          .that()
          .resideInAPackage("io.habanero.internal")
          .should()
          .dependOnClassesThat(
              are(resideInAPackage("io.habanero.."))
                  .and(
                      DescribedPredicate.not(
                          resideInAnyPackage(
                              "io.habanero.internal",
                              "io.habanero.model..",
                              "io.habanero.errors.."))))
          .as(
              "the root io.habanero.internal package depends on no other io.habanero package than"
                  + " model and errors");

  /**
   * The direction of the implementation's packages: engine → sweep, ingest → changeset → delta →
   * warehouse → internal; credentials → internal. Public packages are outside these layers.
   */
  @ArchTest
  static final ArchRule implementationLayers =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .layer("Engine")
          .definedBy("io.habanero.internal.engine..")
          .layer("Sweep")
          .definedBy("io.habanero.internal.sweep..")
          .layer("Ingest")
          .definedBy("io.habanero.internal.ingest..")
          .layer("Changeset")
          .definedBy("io.habanero.internal.changeset..")
          .layer("Delta")
          .definedBy("io.habanero.internal.delta..")
          .layer("Warehouse")
          .definedBy("io.habanero.internal.warehouse..")
          .layer("Credentials")
          .definedBy("io.habanero.internal.credentials..")
          .layer("Leaf")
          .definedBy("io.habanero.internal")
          .whereLayer("Engine")
          .mayNotBeAccessedByAnyLayer()
          .whereLayer("Sweep")
          .mayOnlyBeAccessedByLayers("Engine")
          .whereLayer("Ingest")
          .mayOnlyBeAccessedByLayers("Engine")
          .whereLayer("Changeset")
          .mayOnlyBeAccessedByLayers("Engine", "Sweep", "Ingest")
          .whereLayer("Delta")
          .mayOnlyBeAccessedByLayers("Engine", "Sweep", "Ingest", "Changeset")
          .whereLayer("Warehouse")
          .mayOnlyBeAccessedByLayers("Engine", "Sweep", "Ingest", "Changeset", "Delta")
          .whereLayer("Credentials")
          .mayOnlyBeAccessedByLayers("Engine");
}
