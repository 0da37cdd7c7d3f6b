#ifndef DOTK8S_CONDITIONS_H_
#define DOTK8S_CONDITIONS_H_

#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/plan.h"
#include "core/settings.h"

namespace dotk8s {

/// Decides which components are on and enforces what Helm's `condition:`
/// cannot express (it takes the first path it finds, never an AND):
/// - the HTTP add-on follows KEDA: with KEDA off its documents are removed;
/// - settings that turn a component on while nothing of it was rendered, or
///   off while it was, are an error (the chart's conditions are wired wrong,
///   or its dependencies were not built).
/// Sets ComponentPlan::on and ::namespace_ for every managed component.
Diagnostics EnforceConditions(std::vector<Document>& docs, const Settings& settings, Plan& plan);

}  // namespace dotk8s

#endif  // DOTK8S_CONDITIONS_H_
