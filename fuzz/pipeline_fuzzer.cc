// The whole post-renderer, RunPostRenderer, on mutated streams with varied
// settings. The first byte picks the variant: bit 0 a --release-namespace that
// matches the fixtures, bit 1 one that contradicts them, bit 2 a --settings
// file (the text up to the first "\n%%\n" line, the stream after it), bit 3
// two reader threads. Beyond the sanitizers it checks the contract: output
// only on success, never empty, and every document of it reads back.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"
#include "core/plan.h"
#include "core/yaml/read.h"
#include "core/yaml/yaml_node.h"

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "pipeline fuzzer: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned variant = data[0];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  dotk8s::PostRenderOptions options;
  options.read.threads = (variant & 8u) != 0 ? 2 : 1;
  if ((variant & 1u) != 0) options.release.release_namespace = "dot-system";
  if ((variant & 2u) != 0) options.release.release_namespace = "other-ns";
  if ((variant & 4u) != 0) {
    constexpr std::string_view kSplit = "\n%%\n";
    const std::size_t split = input.find(kSplit);
    const std::string_view settings_text = input.substr(0, split);
    input = split == std::string_view::npos ? std::string_view() : input.substr(split + kSplit.size());
    // As post_main.cc reads --settings.
    YAML::Node settings;
    std::string error;
    if (dotk8s::LoadCheckedYamlNode(settings_text, options.read.outline, &settings, &error)) {
      options.release.settings_file = settings;
      options.release.settings_path = "fuzz-settings.yaml";
    }
  }

  dotk8s::PostRenderResult result = dotk8s::RunPostRenderer(input, options);
  for (const dotk8s::Diagnostic& d : result.diagnostics) (void)dotk8s::FormatDiagnostic(d);
  (void)dotk8s::FormatPlan(result.plan);
  if (!result.ok) {
    if (!result.output.pieces.empty()) Fail("output on failure");
    if (!dotk8s::HasErrors(result.diagnostics)) Fail("failed without an error");
    return 0;
  }
  if (dotk8s::HasErrors(result.diagnostics)) Fail("succeeded with an error");
  const std::string output = result.output.Join();
  if (output.empty()) Fail("empty output (Helm 4 rejects it)");
  // What Helm gets must be YAML it can read: every document of it reads back.
  std::vector<dotk8s::Document> docs;
  dotk8s::ReadOptions read;
  read.threads = 1;
  dotk8s::Diagnostics again = dotk8s::ReadStream(output, read, &docs);
  if (dotk8s::HasErrors(again)) {
    Fail("the output does not read back: " + dotk8s::FormatDiagnostic(again.front()));
  }
  return 0;
}
