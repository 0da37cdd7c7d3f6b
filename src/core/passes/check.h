#ifndef DOTK8S_CHECK_H_
#define DOTK8S_CHECK_H_

#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/kinds.h"

namespace dotk8s {

/// Two documents with the same group, kind, namespace and name would fight
/// over one object in the cluster: an error naming both sources.
Diagnostics CheckDuplicates(const std::vector<Document>& docs, const KindScopes& scopes);

}  // namespace dotk8s

#endif  // DOTK8S_CHECK_H_
