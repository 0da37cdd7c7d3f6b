#ifndef DOTK8S_TESTS_CRD_TEST_UTIL_H_
#define DOTK8S_TESTS_CRD_TEST_UTIL_H_

// Helpers for the CRD catalog and validation tests: chart archives as
// `helm package` writes them (gzip-compressed tar), made with tar(1): the
// product links only libarchive's reading side, statically.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace dotk8s::testing {

/// A .tgz holding `files` (path, content), in that order.
inline std::string TarGz(const std::vector<std::pair<std::string, std::string>>& files) {
  const std::string dir = MakeTempDir();
  const std::string tree = dir + "/tree";
  std::vector<std::string> argv{"/bin/tar", "-czf", dir + "/out.tgz", "-C", tree};
  for (const auto& [path, content] : files) {
    std::filesystem::path file = std::filesystem::path(tree) / path;
    std::filesystem::create_directories(file.parent_path());
    WriteFile(file.string(), content);
    argv.push_back(path);
  }
  RunResult tar = Run(argv, "");
  if (tar.exit_code != 0) throw std::runtime_error("tar failed: " + tar.err);
  return ReadFile(dir + "/out.tgz");
}

/// The fixtures' CRD directory: ../shared/fixtures/upstream/crds.
inline std::string FixtureCrds(std::string_view sub = {}) {
  std::string path = FixturePath("crds");
  if (!sub.empty()) path += "/" + std::string(sub);
  return path;
}

}  // namespace dotk8s::testing

#endif  // DOTK8S_TESTS_CRD_TEST_UTIL_H_
