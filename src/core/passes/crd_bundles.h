#ifndef DOTK8S_CRD_BUNDLES_H_
#define DOTK8S_CRD_BUNDLES_H_

#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/plan.h"

namespace dotk8s {

/// Two charts that ship the same CustomResourceDefinition (Traefik's and Envoy
/// Gateway's Gateway API bundles both reach the stream with Helm 3's
/// --include-crds, as Argo CD renders): one copy is kept — Envoy Gateway's,
/// since its controller needs its own (experimental) bundle; otherwise the
/// first — and the others are removed, which the plan says. Helm itself would
/// fail on the duplicate, or let the last one win.
Diagnostics KeepOneCopyOfEachCrd(std::vector<Document>& docs, Plan& plan);

}  // namespace dotk8s

#endif  // DOTK8S_CRD_BUNDLES_H_
