// Differential fuzzer: the fast outline scanner (src/core/yaml/fast_outline.cc)
// against libyaml. The scanner may step aside on anything, but what it accepts
// libyaml must accept, with the same outline (outline_compare.h says which
// fields). Any difference aborts with a description, so libFuzzer keeps the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/read.h"
#include "outline_compare.h"

namespace {

// The option sets the passes use: the header only, the release namespace as a
// needle (placement), every scalar, every scalar under a few paths, and a small
// depth limit, so that both readers' limits are held to each other too.
std::vector<dotk8s::OutlineOptions> Variants() {
  std::vector<dotk8s::OutlineOptions> variants(5);
  variants[1].needles = {"dot-system"};
  variants[2].all_scalars = true;
  variants[3].all_scalars = true;
  variants[3].capture_under = {{dotk8s::PathElement::Key("spec")},
                               {dotk8s::PathElement::Key("data"), dotk8s::PathElement::Key("config")}};
  variants[4].max_depth = 3;
  return variants;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<dotk8s::OutlineOptions> kVariants = Variants();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const dotk8s::Document& doc : dotk8s::SplitStream(input)) {
    for (std::size_t v = 0; v < kVariants.size(); ++v) {
      const std::string diff = dotk8s::fuzz::CheckFastAgainstLibyaml(doc.raw, doc.body_offset, kVariants[v]);
      if (!diff.empty()) {
        std::fprintf(stderr, "fast scanner and libyaml disagree on doc %zu (option set %zu): %s\n", doc.index, v,
                     diff.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
