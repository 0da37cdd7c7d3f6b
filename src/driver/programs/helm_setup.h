#ifndef DOTK8S_DRIVER_PROGRAMS_HELM_SETUP_H_
#define DOTK8S_DRIVER_PROGRAMS_HELM_SETUP_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver/context.h"

namespace dotk8s {

/// The helm the driver runs.
struct HelmInfo {
  std::string program;  ///< path or name
  std::string version;  ///< "v4.1.4"
  int major = 0;        ///< 3 or 4
};

/// 3 for "v3.17.3", 4 for "v4.1.4", 0 for anything else.
int ParseHelmMajor(std::string_view version);

/// Why dotk8s refuses a helm version that renders the umbrella chart wrong
/// (`why`) and what to do (`fix`); false when the version is fine. Refused:
/// v3.18.0, where `{{ if 0 }}` is true (helm/helm#30880, fixed in 3.18.1).
bool RefusedHelmVersion(std::string_view version, std::string* why, std::string* fix);

/// Runs `helm version --template '{{.Version}}'`. HELM_PLUGINS points at the
/// driver's empty Helm 3 plugin directory, so a Helm 4 plugin in the user's
/// directory cannot stop a Helm 3 from starting. Only Helm 3 and 4 are accepted.
bool DetectHelm(const DriverContext& context, const std::string& program, HelmInfo* helm, std::string* error);

/// The plugin.yaml of the dotk8s-post Helm 4 plugin (the same as
/// helm-plugin/dotk8s-post/plugin.yaml): postrenderer/v1, subprocess, running
/// ${HELM_PLUGIN_DIR}/bin/dotk8s-post.
extern const char kPostPluginYaml[];

/// The directory Helm 4's HELM_PLUGINS points at: `flag` or $DOTK8S_HELM4_PLUGINS
/// if given (it must hold dotk8s-post/plugin.yaml); otherwise
/// <data>/driver-helm4-plugins, kept by the driver: plugin.yaml and
/// bin/dotk8s-post, a link to `post_binary`, so the plugin always runs the same
/// binary Helm 3 would. Never a Helm 3 plugin directory.
bool PrepareHelm4PluginDir(const DriverContext& context, const std::string& flag, const std::string& post_binary,
                           std::string* dir, std::string* error);

/// An empty directory for Helm 3's HELM_PLUGINS: Helm 3 refuses to start
/// ("unknown field apiVersion") when a Helm 4 plugin.yaml sits in its plugin dir.
std::string PrepareHelm3PluginDir(const DriverContext& context);

/// What the post-renderer needs from one helm call.
struct WiringInputs {
  int helm_major = 4;
  std::string post_binary;        ///< absolute path (Helm 3 runs it directly)
  std::string helm4_plugin_dir;   ///< holds dotk8s-post/ (Helm 4)
  std::string helm3_plugin_dir;   ///< empty (Helm 3)
  std::string release_namespace;
  std::vector<std::string> crd_archives;  ///< the dependency archives, each passed as --crds
  std::string log_path;
  /// dotk8s-post writes its plan notes there (`--notes FILE`), if not empty.
  std::string notes_path;
  /// `--gitops`: Namespaces, then CRDs, then the rest, with Argo CD's annotations.
  bool gitops = false;
};

/// The helm flags and environment that wire dotk8s-post in.
struct PostRendererWiring {
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
};

/// Helm 4: `--post-renderer dotk8s-post` (the plugin's name), HELM_PLUGINS at
/// the plugin dir. Helm 3: `--post-renderer <abs path>`, HELM_PLUGINS at the
/// empty dir. Both: `--post-renderer-args=--release-namespace=NS`, one
/// `--post-renderer-args=--crds=<archive>` per archive, `--post-renderer-args=--log=<file>`,
/// then `--post-renderer-args=--notes=<file>` and `--post-renderer-args=--gitops` when asked.
PostRendererWiring WirePostRenderer(const WiringInputs& inputs);

/// The environment for a helm call that runs no post-renderer.
std::vector<std::pair<std::string, std::string>> HelmEnvironment(int helm_major, const std::string& helm4_plugin_dir,
                                                                 const std::string& helm3_plugin_dir);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_PROGRAMS_HELM_SETUP_H_
