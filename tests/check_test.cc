#include "core/passes/check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;
using testing::FormatAll;

std::string Doc(std::string_view api_version, std::string_view kind, std::string_view name, std::string_view ns,
                std::string_view source) {
  std::string text = fmt::format("---\n# Source: {}\napiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n", source,
                                 api_version, kind, name);
  if (!ns.empty()) text += fmt::format("  namespace: {}\n", ns);
  return text;
}

Diagnostics Check(const std::vector<Document>& docs) {
  KindScopes scopes;
  scopes.AddDefinitions(docs);
  return CheckDuplicates(docs, scopes);
}

// Reads `text` and checks it; the diagnostics own their strings.
Diagnostics CheckText(const std::string& text) { return Check(testing::ReadDocs(text)); }

TEST(CheckDuplicatesTest, SameObjectTwiceNamesBothSources) {
  const std::string input = Doc("v1", "ConfigMap", "a", "dot-system", "u/charts/keda/templates/a.yaml") +
                            Doc("v1", "ConfigMap", "b", "dot-system", "u/templates/b.yaml") +
                            Doc("v1", "ConfigMap", "a", "dot-system", "u/templates/copy.yaml");
  std::vector<Document> docs = testing::ReadDocs(input);
  Diagnostics diagnostics = Check(docs);
  EXPECT_EQ(FormatAll(diagnostics),
            "error: doc 2 (u/templates/copy.yaml) ConfigMap dot-system/a: duplicate object: ConfigMap dot-system/a is "
            "also doc 0 (u/charts/keda/templates/a.yaml); hint: two templates render the same object; remove one, or "
            "give them different names (with two components in one namespace, check apps.<component>.namespace)\n");
}

TEST(CheckDuplicatesTest, WhatMakesObjectsDifferent) {
  const Diagnostics different = CheckText(
      Doc("v1", "ConfigMap", "a", "one", "u/templates/1.yaml") + Doc("v1", "ConfigMap", "a", "two", "u/templates/2.yaml") +
      Doc("v1", "Secret", "a", "one", "u/templates/3.yaml") +
      Doc("example.com/v1", "ConfigMap", "a", "one", "u/templates/4.yaml") +
      Doc("apps/v1", "Deployment", "d", "one", "u/templates/5.yaml"));
  EXPECT_TRUE(different.empty()) << FormatAll(different);
  // Versions of one group are one object.
  EXPECT_EQ(CheckText(Doc("example.com/v1", "Widget", "w", "one", "u/templates/a.yaml") +
                      Doc("example.com/v2", "Widget", "w", "one", "u/templates/b.yaml"))
                .size(),
            1u);
}

TEST(CheckDuplicatesTest, ClusterScopedKindsIgnoreTheNamespace) {
  EXPECT_EQ(CheckText(Doc("rbac.authorization.k8s.io/v1", "ClusterRole", "r", "", "u/templates/a.yaml") +
                      Doc("rbac.authorization.k8s.io/v1", "ClusterRole", "r", "stray", "u/templates/b.yaml"))
                .size(),
            1u);
}

TEST(CheckDuplicatesTest, ScopeFromARenderedCrd) {
  const std::string crd =
      "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: globals.example.com\n"
      "spec:\n  group: example.com\n  names:\n    kind: Global\n  scope: Cluster\n";
  const std::string globals =
      Doc("example.com/v1", "Global", "g", "a", "u/templates/a.yaml") + Doc("example.com/v1", "Global", "g", "b", "u/templates/b.yaml");
  EXPECT_EQ(CheckText(crd + globals).size(), 1u);
  // Without the CRD an unknown kind counts as namespaced.
  EXPECT_TRUE(CheckText(globals).empty());
}

TEST(CheckDuplicatesTest, RemovedAndEmptyDocumentsDoNotCount) {
  const std::string input = Doc("v1", "ConfigMap", "a", "x", "u/templates/a.yaml") + "---\n# empty\n" +
                            Doc("v1", "ConfigMap", "a", "x", "u/templates/b.yaml");
  std::vector<Document> docs = testing::ReadDocs(input);
  docs[0].removed = true;
  EXPECT_TRUE(Check(docs).empty());
}

TEST(CheckDuplicatesTest, NoFixtureHasDuplicates) {
  for (const std::string& name : testing::NonEmptyFixtures()) {
    const std::string input = Fixture(name);
    std::vector<Document> docs = testing::ReadDocs(input);
    EXPECT_TRUE(Check(docs).empty()) << name << "\n" << FormatAll(Check(docs));
  }
}

}  // namespace
}  // namespace dotk8s
