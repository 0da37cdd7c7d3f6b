#include "core/post_options.h"

#include <fmt/format.h>

#include <optional>

#include "core/settings.h"

namespace dotk8s {

const char kPostUsage[] = R"(usage: dotk8s-post [options] < rendered.yaml > wired.yaml

A Helm post-renderer for the dot-apps umbrella chart. Reads the stream Helm
rendered on stdin, places each component in its namespace, adds the objects
that tie the components together, and writes the stream back on stdout.

options:
  --release-namespace NS  the namespace Helm rendered into (-n); the dot-apps
                          chart's settings document says it too
  --settings FILE         settings in the shape of the chart's `apps:` values,
                          laid over the settings document
  --log FILE              where errors are appended (Helm 4 hides stderr);
                          default $XDG_STATE_HOME/dotk8s/dotk8s-post.log
  --crds PATH             load CustomResourceDefinitions to validate against:
                          a directory of YAML files, a chart archive (.tgz)
                          or a chart directory (its charts/*.tgz); repeatable
  --validate MODE         injected (default): validate the objects dotk8s-post
                          adds; all: every custom resource in the stream too
  --explain               print the plan (what was found, injected, removed,
                          moved and why) instead of the manifests
  --gitops                the output is applied as it is (Argo CD, kubectl
                          apply), not installed by Helm: Namespaces, then CRDs
                          (those of the charts' crds/ folders too, from
                          --crds), then the rest; hooks ordered for Argo CD
  --notes FILE            on success, write the plan's notes to FILE, one per
                          line (the dotk8s driver shows them)
  --max-input SIZE        refuse input larger than SIZE (default 1G)
  --max-document SIZE     refuse a document larger than SIZE (default 256M)
  --threads N             threads for reading (default: by input size)
  --version               print the version
  --help                  print this help

Helm 4: helm install --post-renderer dotk8s-post ...   (the plugin)
Helm 3: helm install --post-renderer dotk8s-post ...   (the executable on PATH)

exit codes: 0 success, 1 the input or settings are wrong (see stderr and the
log), 2 usage error.
)";

bool ParseByteSize(const std::string& text, std::size_t* bytes) {
  // std::stoull takes "-1" (and " 1") and wraps it to a huge size: digits first.
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  std::string suffix = text.substr(used);
  unsigned shift = 0;
  if (suffix.empty() || suffix == "B") {
    shift = 0;
  } else if (suffix == "K" || suffix == "KiB" || suffix == "k") {
    shift = 10;
  } else if (suffix == "M" || suffix == "MiB") {
    shift = 20;
  } else if (suffix == "G" || suffix == "GiB") {
    shift = 30;
  } else {
    return false;
  }
  if (shift > 0 && value > (~0ULL >> shift)) return false;
  *bytes = static_cast<std::size_t>(value << shift);
  return true;
}

namespace {

// --max-input and --max-document: a size above zero.
bool ParseSizeFlag(const std::string& flag, const std::string& text, PostArgs* out, std::string* error) {
  std::size_t bytes = 0;
  if (!ParseByteSize(text, &bytes) || bytes == 0) {
    *error = fmt::format("{} takes a size like 64M or 1G, not `{}`", flag, text);
    return false;
  }
  (flag == "--max-input" ? out->max_input_bytes : out->max_document_bytes) = bytes;
  return true;
}

bool ParseThreadCount(const std::string& text, unsigned* threads_out, std::string* error) {
  try {
    std::size_t used = 0;
    unsigned long threads = std::stoul(text, &used);
    if (used != text.size() || threads > 64) throw std::invalid_argument("range");
    *threads_out = static_cast<unsigned>(threads);
  } catch (const std::exception&) {
    *error = fmt::format("--threads takes a number from 0 to 64, not `{}`", text);
    return false;
  }
  return true;
}

// `argument` as given; `flag` without its `=value`, for the suggestion.
std::string UnknownArgumentError(const std::string& flag, const std::string& argument) {
  std::vector<std::string> known = {"--release-namespace", "--settings", "--log", "--crds", "--validate", "--explain", "--gitops", "--notes", "--max-input",
                                    "--max-document", "--threads", "--version", "--help"};
  std::string hint;
  if (auto suggestion = Suggest(flag, known)) hint = fmt::format(" (did you mean {}?)", *suggestion);
  return fmt::format("unknown argument `{}`{}", argument, hint);
}

}  // namespace

bool ParsePostArgs(const std::vector<std::string>& args, PostArgs* out, std::string* error) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (flag.rfind("--", 0) == 0) {
      std::size_t eq = flag.find('=');
      if (eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
      }
    }
    auto value = [&](std::string* into) {
      if (inline_value) {
        *into = *inline_value;
        return true;
      }
      if (i + 1 >= args.size()) {
        *error = fmt::format("{} needs a value", flag);
        return false;
      }
      *into = args[++i];
      return true;
    };
    auto no_value = [&]() {
      if (inline_value) {
        *error = fmt::format("{} takes no value", flag);
        return false;
      }
      return true;
    };
    std::string text;
    if (flag == "--release-namespace") {
      if (!value(&out->release_namespace)) return false;
    } else if (flag == "--settings") {
      if (!value(&out->settings_path)) return false;
    } else if (flag == "--log") {
      if (!value(&out->log_path)) return false;
    } else if (flag == "--crds") {
      if (!value(&text)) return false;
      out->crd_paths.push_back(text);
    } else if (flag == "--validate") {
      if (!value(&out->validate)) return false;
      if (out->validate != "injected" && out->validate != "all") {
        *error = fmt::format("--validate takes `injected` or `all`, not `{}`", out->validate);
        return false;
      }
    } else if (flag == "--explain") {
      if (!no_value()) return false;
      out->explain = true;
    } else if (flag == "--gitops") {
      if (!no_value()) return false;
      out->gitops = true;
    } else if (flag == "--notes") {
      if (!value(&out->notes_path)) return false;
    } else if (flag == "--version") {
      if (!no_value()) return false;
      out->version = true;
    } else if (flag == "--help" || flag == "-h") {
      out->help = true;
    } else if (flag == "--max-input" || flag == "--max-document") {
      if (!value(&text) || !ParseSizeFlag(flag, text, out, error)) return false;
    } else if (flag == "--threads") {
      if (!value(&text) || !ParseThreadCount(text, &out->threads, error)) return false;
    } else {
      *error = UnknownArgumentError(flag, args[i]);
      return false;
    }
  }
  return true;
}

}  // namespace dotk8s
