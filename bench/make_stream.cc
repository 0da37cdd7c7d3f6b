// Makes a large Helm stream for the benchmark out of a real one: copies of all
// its documents until the stream reaches a size. Each copy renames its objects
// (metadata.name gets "-c<N>"; a CustomResourceDefinition or APIService, whose
// name must be <plural or version>.<group>, moves to group c<N>.<group>), so
// the copies are distinct, valid objects and dotk8s-post runs its whole
// pipeline on them as on a real release; origin annotations stay as they are.
//
// usage: dotk8s_make_stream INPUT BYTES OUTPUT
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/yaml/field_path.h"
#include "core/yaml/outline.h"
#include "core/yaml/read.h"
#include "core/yaml/yaml_writer.h"

namespace {

// A scalar of one document that each copy rewrites.
struct Slot {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string value;
  bool plain = true;
};

struct Template {
  std::string_view raw;
  std::optional<Slot> name;
  std::optional<Slot> group;  // spec.group of a CRD or APIService
};

std::string Render(const Slot& slot, const std::string& value) {
  // Only [a-z0-9.-] is added to names, so a plain scalar stays plain.
  return slot.plain ? value : dotk8s::QuoteScalar(value);
}

// The document's text for copy `n` (copy 0 is the original).
void AppendCopy(const Template& doc, std::size_t n, std::string* out) {
  if (n == 0 || !doc.name) {
    out->append(doc.raw);
    return;
  }
  struct Edit {
    std::size_t offset, length;
    std::string text;
  };
  std::vector<Edit> edits;
  const std::string& name = doc.name->value;
  const std::string tag = fmt::format("c{}", n);
  if (doc.group && name.size() > doc.group->value.size() + 1 &&
      name.compare(name.size() - doc.group->value.size(), std::string::npos, doc.group->value) == 0 &&
      name[name.size() - doc.group->value.size() - 1] == '.') {
    const std::string group = fmt::format("{}.{}", tag, doc.group->value);
    const std::string renamed = name.substr(0, name.size() - doc.group->value.size()) + group;
    edits.push_back({doc.name->offset, doc.name->length, Render(*doc.name, renamed)});
    edits.push_back({doc.group->offset, doc.group->length, Render(*doc.group, group)});
  } else {
    edits.push_back({doc.name->offset, doc.name->length, Render(*doc.name, fmt::format("{}-{}", name, tag))});
  }
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
  std::size_t at = 0;
  for (const Edit& edit : edits) {
    out->append(doc.raw.substr(at, edit.offset - at));
    out->append(edit.text);
    at = edit.offset + edit.length;
  }
  out->append(doc.raw.substr(at));
}

Slot ToSlot(const dotk8s::Scalar& scalar) {
  return Slot{scalar.offset, scalar.length, scalar.value, scalar.style == dotk8s::ScalarStyle::kPlain};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: dotk8s_make_stream INPUT BYTES OUTPUT\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "dotk8s_make_stream: cannot read %s\n", argv[1]);
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string input = buffer.str();
  const std::size_t target = std::strtoull(argv[2], nullptr, 10);

  std::vector<Template> docs;
  for (const dotk8s::Document& doc : dotk8s::SplitStream(input)) {
    Template t;
    t.raw = doc.raw;
    dotk8s::OutlineOptions options;
    dotk8s::Outline outline;
    dotk8s::YamlProblem problem;
    if (!dotk8s::BuildOutline(doc.raw, doc.body_offset, options, &outline, &problem)) {
      std::fprintf(stderr, "dotk8s_make_stream: doc %zu is not valid YAML: %s\n", doc.index, problem.message.c_str());
      return 1;
    }
    if (outline.name) t.name = ToSlot(*outline.name);
    const std::string_view kind = outline.kind ? std::string_view(outline.kind->value) : std::string_view();
    if (kind == "CustomResourceDefinition" || kind == "APIService") {
      options.all_scalars = true;
      options.allow_fast_path = false;
      dotk8s::BuildOutline(doc.raw, doc.body_offset, options, &outline, &problem);
      for (const dotk8s::Scalar& scalar : outline.scalars) {
        if (!scalar.is_key && dotk8s::IsPath(scalar.path, {"spec", "group"})) t.group = ToSlot(scalar);
      }
    }
    docs.push_back(std::move(t));
  }
  if (docs.empty()) {
    std::fprintf(stderr, "dotk8s_make_stream: %s holds no documents\n", argv[1]);
    return 1;
  }

  std::string out;
  out.reserve(target + input.size() + 64);
  std::size_t copies = 0;
  while (out.size() < target || copies == 0) {
    // The first document of a Helm 4 stream has no `---`; later copies need one.
    if (copies > 0 && docs.front().raw.substr(0, 3) != "---") out += "---\n";
    for (const Template& doc : docs) AppendCopy(doc, copies, &out);
    if (out.back() != '\n') out += '\n';
    ++copies;
  }
  std::ofstream file(argv[3], std::ios::binary);
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!file) {
    std::fprintf(stderr, "dotk8s_make_stream: cannot write %s\n", argv[3]);
    return 1;
  }
  std::printf("%zu bytes, %zu copies of %zu documents\n", out.size(), copies, docs.size());
  return 0;
}
