#include "core/validation/crd_header.h"

#include <yaml.h>

#include <vector>

namespace dotk8s {

bool CrdHeader::IsCrd() const {
  return kind == "CustomResourceDefinition" && api_version.rfind("apiextensions.k8s.io/", 0) == 0;
}

namespace {

struct Frame {
  bool is_mapping = false;
  bool expect_key = true;
  std::string key;
};

// The header field at the frames' position, or nullptr.
std::string* FieldAt(const std::vector<Frame>& frames, CrdHeader* header) {
  for (const Frame& frame : frames) {
    if (!frame.is_mapping) return nullptr;
  }
  if (frames.size() == 1) {
    if (frames[0].key == "apiVersion") return &header->api_version;
    if (frames[0].key == "kind") return &header->kind;
  } else if (frames.size() == 2) {
    if (frames[0].key == "metadata" && frames[1].key == "name") return &header->name;
    if (frames[0].key == "spec" && frames[1].key == "group") return &header->group;
    if (frames[0].key == "spec" && frames[1].key == "scope") return &header->scope;
  } else if (frames.size() == 3) {
    if (frames[0].key == "spec" && frames[1].key == "names" && frames[2].key == "kind") return &header->names_kind;
  }
  return nullptr;
}

bool Complete(const CrdHeader& header) {
  return !header.api_version.empty() && !header.kind.empty() && !header.name.empty() && !header.group.empty() &&
         !header.names_kind.empty() && !header.scope.empty();
}

}  // namespace

namespace {

bool ReadHeaderFrom(std::string_view text, CrdHeader* header, YamlProblem* problem) {
  *header = CrdHeader{};
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    problem->message = "out of memory";
    return false;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::vector<Frame> frames;
  bool ok = true;
  bool done = false;
  auto value_done = [&frames] {
    if (!frames.empty() && frames.back().is_mapping) frames.back().expect_key = true;
  };
  while (!done) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      problem->line = parser.problem_mark.line;
      problem->column = parser.problem_mark.column;
      problem->message = parser.problem != nullptr ? parser.problem : "invalid YAML";
      ok = false;
      break;
    }
    switch (event.type) {
      case YAML_SCALAR_EVENT: {
        std::string_view value(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
        if (!frames.empty() && frames.back().is_mapping && frames.back().expect_key) {
          frames.back().key.assign(value);
          frames.back().expect_key = false;
          break;
        }
        if (std::string* field = FieldAt(frames, header)) field->assign(value);
        value_done();
        // Not a CRD: nothing more to learn here.
        if (!header->kind.empty() && header->kind != "CustomResourceDefinition") done = true;
        if (Complete(*header)) done = true;
        break;
      }
      case YAML_ALIAS_EVENT:
        value_done();
        break;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        frames.push_back(Frame{event.type == YAML_MAPPING_START_EVENT, true, {}});
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        frames.pop_back();
        value_done();
        break;
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      default:
        break;
    }
    yaml_event_delete(&event);
  }
  yaml_parser_delete(&parser);
  return ok;
}

}  // namespace

bool ReadCrdHeader(std::string_view text, CrdHeader* header, YamlProblem* problem) {
  // libyaml decodes its input 16 KB at a time: give it the first lines only,
  // and the whole document if the header is not complete in them (or they
  // end inside something libyaml cannot close at a cut).
  constexpr std::size_t kFirstLines = 4096;
  if (text.size() > 2 * kFirstLines) {
    const std::size_t cut = text.rfind('\n', kFirstLines);
    if (cut != std::string_view::npos) {
      YamlProblem ignored;
      if (ReadHeaderFrom(text.substr(0, cut + 1), header, &ignored) &&
          (Complete(*header) || (!header->kind.empty() && header->kind != "CustomResourceDefinition"))) {
        return true;
      }
    }
  }
  return ReadHeaderFrom(text, header, problem);
}

}  // namespace dotk8s
