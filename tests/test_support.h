#ifndef DOTK8S_TEST_SUPPORT_H_
#define DOTK8S_TEST_SUPPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/document.h"

namespace dotk8s::testing {

/// ../shared/fixtures/upstream/<name> (DOTK8S_SHARED overrides ../shared).
std::string FixturePath(std::string_view name);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, std::string_view text);
/// A fresh directory under the test temp dir.
std::string MakeTempDir();

/// A temporary directory (MakeTempDir), removed with everything in it.
struct ScratchDir {
  std::string path = MakeTempDir();
  ScratchDir() = default;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();
  std::string File(std::string_view name) const { return path + "/" + std::string(name); }
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `argv` (argv[0] a path) with `input` on stdin; extra environment as "K=V".
RunResult Run(const std::vector<std::string>& argv, std::string_view input,
              const std::vector<std::string>& env = {});

/// Runs the built dotk8s-post.
RunResult RunPost(const std::vector<std::string>& args, std::string_view input);

/// What each captured fixture stream holds: the components the charts rendered.
struct FixtureComponents {
  const char* file;
  bool eg, keda, http, prometheus, traefik;
};
/// Every fixture of ../shared/fixtures/upstream with its components (the
/// fixtures' README says which values rendered each), helm4-none.yaml last.
const std::vector<FixtureComponents>& FixtureMatrix();

/// `text` without the `meta.helm.sh/release-namespace:` lines: Helm's
/// ownership mark names the release namespace on purpose (a custom resource
/// made a hook carries it so that the next upgrade adopts it).
std::string WithoutReleaseOwnership(std::string_view text);

/// The documents of a stream, read (outlines built) for assertions.
std::vector<Document> ReadDocs(std::string_view stream);

/// The documents of `docs` with `kind` (and `name`, if given).
std::vector<const Document*> FindDocs(const std::vector<Document>& docs, std::string_view kind,
                                      std::string_view name = {});

}  // namespace dotk8s::testing

#endif  // DOTK8S_TEST_SUPPORT_H_
