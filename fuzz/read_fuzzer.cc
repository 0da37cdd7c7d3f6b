// The reader: SplitStream and ReadOutlines (both outline readers, with and
// without needles or every scalar), then ParseDocument on what read well.
// Beyond the sanitizers it checks what the passes rely on: the documents give
// the input back byte for byte, every scalar's offsets lie inside its
// document, and a document the outline reader accepts loads as a tree.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/document.h"
#include "core/yaml/read.h"

namespace {

[[noreturn]] void Fail(const char* what, std::size_t doc) {
  std::fprintf(stderr, "read fuzzer: doc %zu: %s\n", doc, what);
  std::abort();
}

void CheckScalar(const dotk8s::Document& doc, const dotk8s::Scalar& scalar) {
  if (scalar.offset > doc.raw.size() || scalar.length > doc.raw.size() - scalar.offset) {
    Fail("a scalar's bytes lie outside its document", doc.index);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<dotk8s::Document> docs = dotk8s::SplitStream(input);
  std::string joined;
  for (const dotk8s::Document& doc : docs) joined.append(doc.raw);
  if (joined != input) Fail("the documents do not give the input back", 0);

  dotk8s::ReadOptions options;
  options.threads = 1;
  // Vary what the outline reader collects by the input's length: the fast
  // scanner reads the first and third, libyaml the second.
  switch (size % 3) {
    case 0:
      break;
    case 1:
      options.outline.needles = {"dot-system", "-"};
      break;
    default:
      options.outline.all_scalars = true;
      break;
  }
  dotk8s::Diagnostics diagnostics = dotk8s::ReadOutlines(docs, options);
  std::vector<bool> failed(docs.size(), false);
  for (const dotk8s::Diagnostic& d : diagnostics) {
    if (d.doc_index < docs.size()) failed[d.doc_index] = true;
    (void)dotk8s::FormatDiagnostic(d);
  }
  for (const dotk8s::Document& doc : docs) {
    if (failed[doc.index]) continue;
    const dotk8s::Outline& outline = doc.outline;
    for (const auto* scalar : {&outline.api_version, &outline.kind, &outline.name, &outline.namespace_}) {
      if (*scalar) CheckScalar(doc, **scalar);
    }
    for (const dotk8s::Scalar& scalar : outline.hits) CheckScalar(doc, scalar);
    for (const dotk8s::Scalar& scalar : outline.scalars) CheckScalar(doc, scalar);
    for (const dotk8s::MappingSpan* span : {&outline.metadata, &outline.labels_span, &outline.annotations_span}) {
      if (span->present && span->offset > doc.raw.size()) Fail("a mapping span starts outside its document", doc.index);
    }
    dotk8s::Diagnostics parse;
    if (!dotk8s::ParseDocument(doc, parse)) {
      std::fprintf(stderr, "%s\n", parse.empty() ? "" : dotk8s::FormatDiagnostic(parse[0]).c_str());
      Fail("the outline reader accepts a document that ParseDocument rejects", doc.index);
    }
    (void)doc.Describe();
  }
  return 0;
}
