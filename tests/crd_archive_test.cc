// Reading CRD files out of chart archives: crds/ and templates/ of every
// chart inside, nested packaged subcharts, and nothing else.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/validation/crd_archive.h"
#include "core/validation/crd_catalog.h"
#include "crd_test_util.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

constexpr std::string_view kCrd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n";

std::vector<std::string> Paths(const std::vector<ArchiveFile>& files) {
  std::vector<std::string> paths;
  for (const ArchiveFile& file : files) paths.push_back(file.path);
  return paths;
}

TEST(CrdArchiveTest, KeepsCrdFilesUnderCrdsAndTemplatesOfEveryChart) {
  std::string nested = TarGz({{"keda/Chart.yaml", "name: keda\n"},
                              {"keda/templates/crds/crd-scaledobjects.yaml", std::string(kCrd)},
                              {"keda/templates/deployment.yaml", "kind: Deployment\n"}});
  const ScratchDir dir;
  std::string path = dir.File("umbrella-0.1.0.tgz");
  WriteFile(path, TarGz({{"umbrella/Chart.yaml", "name: umbrella\n"},
                         {"umbrella/crds/a.yaml", std::string(kCrd)},
                         {"umbrella/crds/readme.md", std::string(kCrd)},
                         {"umbrella/crds/no-crd.yaml", "kind: ConfigMap\n"},
                         {"umbrella/values.yaml", std::string(kCrd)},
                         {"umbrella/charts/kps/charts/crds/crds/b.yml", std::string(kCrd)},
                         {"umbrella/charts/keda-2.19.0.tgz", nested}}));
  std::vector<ArchiveFile> files;
  std::string error;
  ASSERT_TRUE(ReadChartArchive(path, &files, &error)) << error;
  EXPECT_EQ(Paths(files), (std::vector<std::string>{"umbrella/crds/a.yaml", "umbrella/charts/kps/charts/crds/crds/b.yml",
                                                     "umbrella/charts/keda-2.19.0.tgz:keda/templates/crds/crd-scaledobjects.yaml"}));
  EXPECT_FALSE(files[0].is_template);
  EXPECT_TRUE(files[2].is_template);
  EXPECT_EQ(files[0].content, kCrd);
}

TEST(CrdArchiveTest, ABrokenArchiveIsAnErrorNamingIt) {
  const ScratchDir dir;
  std::string path = dir.File("broken.tgz");
  std::string bytes = TarGz({{"c/crds/a.yaml", std::string(kCrd)}});
  WriteFile(path, bytes.substr(0, bytes.size() / 2));
  std::vector<ArchiveFile> files;
  std::string error;
  EXPECT_FALSE(ReadChartArchive(path, &files, &error));
  EXPECT_EQ(error.rfind(path, 0), 0u) << error;
  EXPECT_FALSE(ReadChartArchive(dir.File("missing.tgz"), &files, &error));
  EXPECT_NE(error.find("missing.tgz"), std::string::npos) << error;
}

TEST(CrdArchiveTest, NestingIsBounded) {
  std::string inner = TarGz({{"c/crds/a.yaml", std::string(kCrd)}});
  for (int i = 0; i < 5; ++i) inner = TarGz({{"c/charts/c.tgz", inner}});
  std::vector<ArchiveFile> files;
  std::string error;
  EXPECT_FALSE(ReadChartArchiveBytes(inner, "deep.tgz", &files, &error));
  EXPECT_NE(error.find("nested too deep"), std::string::npos) << error;
}

TEST(CrdArchiveTest, CandidatePaths) {
  EXPECT_TRUE(IsCrdCandidatePath("c/crds/x.yaml"));
  EXPECT_TRUE(IsCrdCandidatePath("crds/x.yml"));
  EXPECT_TRUE(IsCrdCandidatePath("c/templates/crds/x.json"));
  EXPECT_FALSE(IsCrdCandidatePath("c/crds/x.txt"));
  EXPECT_FALSE(IsCrdCandidatePath("c/mycrds/x.yaml"));
  EXPECT_FALSE(IsCrdCandidatePath("c/values.yaml"));
  EXPECT_TRUE(IsArchiveName("a/b-1.0.0.tgz"));
  EXPECT_TRUE(IsArchiveName("a.tar.gz"));
  EXPECT_FALSE(IsArchiveName("a.tar"));
}

TEST(CrdArchiveTest, TemplateActionsAreBlankedKeepingLines) {
  std::string text =
      "{{- if .Values.crds.install }}\n"
      "apiVersion: apiextensions.k8s.io/v1\n"
      "metadata:\n"
      "  labels:\n"
      "    {{- include \"keda.labels\" . | indent 4 }}\n"
      "    app: {{ .Release.Name }}-x\n"
      "{{- end }}\n";
  EXPECT_EQ(BlankTemplateActions(text),
            "\napiVersion: apiextensions.k8s.io/v1\nmetadata:\n  labels:\n\n    app: x-x\n\n");
}

}  // namespace
}  // namespace dotk8s::testing
