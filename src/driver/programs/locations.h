#ifndef DOTK8S_DRIVER_PROGRAMS_LOCATIONS_H_
#define DOTK8S_DRIVER_PROGRAMS_LOCATIONS_H_

#include <string>
#include <vector>

#include "driver/context.h"

namespace dotk8s {

/// ${XDG_DATA_HOME:-~/.local/share}/dotk8s, "" without an absolute HOME or XDG_DATA_HOME.
std::string DataDir(const DriverContext& context);
/// ${XDG_CACHE_HOME:-~/.cache}/dotk8s, "" without an absolute HOME or XDG_CACHE_HOME.
std::string CacheDir(const DriverContext& context);
/// Why dotk8s has nowhere of the user's own for its directories (HOME and an
/// XDG variable unset), or "" when it has.
std::string MissingHomeError(const DriverContext& context);
/// True if `path` is a directory (not a link) owned by this user and writable
/// by no one else: what a Helm plugin directory must be, since Helm runs the
/// command its plugin.yaml names. Otherwise false with `why`.
bool IsPrivateDirectory(const std::string& path, std::string* why);
/// True if no directory above `path` lets someone else replace it: each is
/// root's or this user's, and one of root's is writable by others only when
/// sticky (/tmp). Otherwise false with `why`.
bool HasTrustedAncestors(const std::string& path, std::string* why);
/// The chart cache `deps` copies from: $DOTK8S_CHART_CACHE, else <cache>/charts.
std::string DefaultChartCache(const DriverContext& context);
/// dotk8s-post's log, where it writes when --log is not given (error_log.h).
std::string PostRendererLogPath(const DriverContext& context);

/// The umbrella chart: `flag`, $DOTK8S_CHART, ./charts/dot-apps, then beside
/// the executable (<exe>/../charts/dot-apps, <exe>/../share/dotk8s/charts/dot-apps).
/// Returns "" with `tried` listing where it looked.
std::string FindChartDir(const DriverContext& context, const std::string& flag, std::vector<std::string>* tried);

/// dotk8s-post: `flag`, $DOTK8S_POST, beside the dotk8s executable, then PATH.
std::string FindPostBinary(const DriverContext& context, const std::string& flag);

/// helm: `flag`, $DOTK8S_HELM, $HELM_BIN (set when dotk8s runs as a Helm plugin), then "helm".
std::string HelmProgram(const DriverContext& context, const std::string& flag);
/// kubectl: `flag`, $DOTK8S_KUBECTL, then "kubectl".
std::string KubectlProgram(const DriverContext& context, const std::string& flag);

/// `name` searched on the context's PATH, or "".
std::string SearchPath(const DriverContext& context, const std::string& name);

/// An absolute, normalised form of `path` (relative to the working directory).
std::string Absolute(const std::string& path);
bool IsFile(const std::string& path);
/// The whole file; false if it cannot be read.
bool ReadFileText(const std::string& path, std::string* content);
bool IsDirectory(const std::string& path);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_PROGRAMS_LOCATIONS_H_
