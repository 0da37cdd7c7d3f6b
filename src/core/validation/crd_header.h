#ifndef DOTK8S_CRD_HEADER_H_
#define DOTK8S_CRD_HEADER_H_

#include <string>
#include <string_view>

#include "core/yaml/outline.h"

namespace dotk8s {

/// What indexing a CRD needs: the document's apiVersion and kind, and the
/// CRD's metadata.name, spec.group, spec.names.kind and spec.scope.
struct CrdHeader {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string group;
  std::string names_kind;
  std::string scope;

  bool IsCrd() const;
};

/// Reads the header fields of one YAML document with libyaml and stops as soon
/// as it has them all, or the kind says it is no CRD. CRD files are large
/// (one schema can be 800 KB) and their schemas come after these fields
/// (controller-gen writes spec's keys in order: group, names, scope,
/// versions), so indexing a directory of CRDs reads a few lines of each
/// instead of every byte. The schema is read later, only for kinds an object
/// uses. Returns false with `problem` set if the text read so far is not
/// well-formed YAML; the rest of the document is not checked.
bool ReadCrdHeader(std::string_view text, CrdHeader* header, YamlProblem* problem);

}  // namespace dotk8s

#endif  // DOTK8S_CRD_HEADER_H_
