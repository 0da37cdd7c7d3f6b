// dotk8s-post: the Helm post-renderer. Reads stdin, runs the pipeline, writes
// stdout; every failure is printed once, to stderr and to the log.
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error_log.h"
#include "core/pipeline.h"
#include "core/post_options.h"
#include "core/yaml/yaml_node.h"
#include "version.h"

namespace {

using dotk8s::Diagnostics;

// The input, in a buffer that is not zeroed first: it can be large.
struct InputBuffer {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::size_t capacity = 0;

  std::string_view View() const { return {data.get(), size}; }
  void Grow(std::size_t to) {
    std::unique_ptr<char[]> bigger(new char[to]);
    if (size > 0) std::memcpy(bigger.get(), data.get(), size);
    data = std::move(bigger);
    capacity = to;
  }
};

// Reads all of stdin, refusing more than `limit` bytes.
bool ReadInput(std::size_t limit, InputBuffer* input, std::string* error) {
  // Sized from the file when stdin is one, so it is read in place.
  struct stat info {};
  std::size_t capacity = std::size_t{1} << 20;
  if (::fstat(STDIN_FILENO, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    capacity = static_cast<std::size_t>(info.st_size) + 1;
  }
  input->Grow(std::min(capacity, limit + 1));
  while (true) {
    if (input->size == input->capacity) {
      if (input->size > limit) break;
      input->Grow(std::min(input->capacity * 2, limit + 1));
    }
    ssize_t n = ::read(STDIN_FILENO, input->data.get() + input->size, input->capacity - input->size);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = fmt::format("cannot read stdin: {}", std::strerror(errno));
      return false;
    }
    input->size += static_cast<std::size_t>(n);
  }
  if (input->size > limit) {
    *error = fmt::format("the input is larger than {} bytes", limit);
    return false;
  }
  return true;
}

// One gathering write for the whole stream: most pieces are input bytes.
bool WritePieces(int fd, const std::vector<std::string_view>& pieces) {
  std::vector<iovec> vectors;
  vectors.reserve(pieces.size());
  for (std::string_view piece : pieces) {
    if (!piece.empty()) vectors.push_back(iovec{const_cast<char*>(piece.data()), piece.size()});
  }
  std::size_t next = 0;
  while (next < vectors.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(vectors.size() - next, IOV_MAX));
    ssize_t n = ::writev(fd, vectors.data() + next, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto written = static_cast<std::size_t>(n);
    while (next < vectors.size() && written >= vectors[next].iov_len) {
      written -= vectors[next].iov_len;
      ++next;
    }
    if (written > 0) {
      vectors[next].iov_base = static_cast<char*>(vectors[next].iov_base) + written;
      vectors[next].iov_len -= written;
    }
  }
  return true;
}

bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Report(const Diagnostics& diagnostics) {
  for (const dotk8s::Diagnostic& d : diagnostics) {
    std::string line = dotk8s::FormatDiagnostic(d);
    line += '\n';
    WriteAll(STDERR_FILENO, line);
  }
}

// On failure the log gets the messages too: Helm 4 discards the plugin's stderr.
void Log(const std::string& path, const std::vector<std::string>& args, const Diagnostics& diagnostics) {
  if (path.empty()) {
    WriteAll(STDERR_FILENO,
             "dotk8s-post: no log: neither HOME nor XDG_STATE_HOME is set (pass --log FILE for one; Helm 4 does not "
             "show these messages)\n");
    return;
  }
  std::string error;
  if (!dotk8s::AppendToLog(path, args, diagnostics, &error)) {
    WriteAll(STDERR_FILENO, fmt::format("dotk8s-post: {}\n", error));
  } else {
    WriteAll(STDERR_FILENO, fmt::format("dotk8s-post: the messages above are also in {}\n", path));
  }
}

// The plan's notes and the run's warnings, one per line, for the driver to
// show: Helm 4 discards a plugin's stderr, and both can ask the user to act.
bool WriteNotes(const std::string& path, const dotk8s::Plan& plan, const Diagnostics& diagnostics) {
  std::ofstream file(path, std::ios::trunc);
  if (!file) return false;
  for (const std::string& note : plan.notes) file << "note: " << note << '\n';
  for (const dotk8s::Diagnostic& d : diagnostics) {
    if (d.severity != dotk8s::Severity::kWarning) continue;
    std::string line = dotk8s::FormatDiagnostic(d);
    std::replace(line.begin(), line.end(), '\n', ' ');
    file << line << '\n';
  }
  file.flush();
  return static_cast<bool>(file);
}

// The pipeline's options from the command line (the settings file aside).
dotk8s::PostRenderOptions PostRenderOptionsFrom(const dotk8s::PostArgs& parsed) {
  dotk8s::PostRenderOptions options;
  options.release.release_namespace = parsed.release_namespace;
  options.read.max_document_bytes = parsed.max_document_bytes;
  options.read.threads = parsed.threads;
  options.validate.crd_paths = parsed.crd_paths;
  options.validate.mode = parsed.validate == "all" ? dotk8s::ValidateMode::kAll : dotk8s::ValidateMode::kInjected;
  options.lifecycle.gitops = parsed.gitops;
  return options;
}

// Reads --settings FILE into `options->release`; what is wrong with it goes to `diagnostics`.
void ReadSettingsFile(const std::string& settings_path, dotk8s::PostRenderOptions* options, Diagnostics* diagnostics) {
  options->release.settings_path = settings_path;
  std::ifstream file(settings_path);
  // A directory opens as a stream that reads nothing: say what it is.
  std::error_code ec;
  if (!file || std::filesystem::is_directory(settings_path, ec)) {
    const int why = file ? EISDIR : errno;
    diagnostics->push_back(
        dotk8s::MakeError(fmt::format("cannot read --settings {}: {}", settings_path, std::strerror(why))));
  } else {
    std::stringstream text;
    text << file.rdbuf();
    // Read with the stream's limits (depth, aliases, duplicate keys) before any recursive reader sees it.
    YAML::Node settings;
    std::string error;
    if (dotk8s::LoadCheckedYamlNode(text.str(), options->read.outline, &settings, &error)) {
      options->release.settings_file = settings;
    } else {
      diagnostics->push_back(dotk8s::MakeError(fmt::format("{}: not valid YAML: {}", settings_path, error),
                                               "the file takes the shape of the chart's `apps:` values"));
    }
  }
}

int RealMain(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  dotk8s::PostArgs parsed;
  std::string error;
  if (!dotk8s::ParsePostArgs(args, &parsed, &error)) {
    WriteAll(STDERR_FILENO, fmt::format("dotk8s-post: {}\nrun `dotk8s-post --help` for usage\n", error));
    return 2;
  }
  if (parsed.help) {
    WriteAll(STDOUT_FILENO, dotk8s::kPostUsage);
    return 0;
  }
  if (parsed.version) {
    WriteAll(STDOUT_FILENO, fmt::format("dotk8s-post {}\n", DOTK8S_VERSION));
    return 0;
  }
  const std::string log_path = parsed.log_path.empty()
                                   ? dotk8s::DefaultLogPath(std::getenv("XDG_STATE_HOME"), std::getenv("HOME"))
                                   : parsed.log_path;

  dotk8s::PostRenderOptions options = PostRenderOptionsFrom(parsed);
  Diagnostics diagnostics;
  if (!parsed.settings_path.empty()) ReadSettingsFile(parsed.settings_path, &options, &diagnostics);
  InputBuffer input;
  if (diagnostics.empty() && !ReadInput(parsed.max_input_bytes, &input, &error)) {
    diagnostics.push_back(dotk8s::MakeError(error, "raise the limit with --max-input if the input is right"));
  }
  if (!diagnostics.empty()) {
    Report(diagnostics);
    Log(log_path, args, diagnostics);
    return 1;
  }

  dotk8s::PostRenderResult result = dotk8s::RunPostRenderer(input.View(), options);
  Report(result.diagnostics);
  // Nothing reaches stdout unless every pass succeeded: a failed run's plan,
  // as far as it got, goes to stderr.
  if (parsed.explain) WriteAll(result.ok ? STDOUT_FILENO : STDERR_FILENO, dotk8s::FormatPlan(result.plan));
  if (!result.ok) {
    Log(log_path, args, result.diagnostics);
    return 1;
  }
  if (!parsed.notes_path.empty() && !WriteNotes(parsed.notes_path, result.plan, result.diagnostics)) {
    WriteAll(STDERR_FILENO, fmt::format("dotk8s-post: cannot write --notes {}: {}\n", parsed.notes_path,
                                        std::strerror(errno)));
    return 1;
  }
  if (!parsed.explain && !WritePieces(STDOUT_FILENO, result.output.pieces)) {
    WriteAll(STDERR_FILENO, fmt::format("dotk8s-post: cannot write stdout: {}\n", std::strerror(errno)));
    return 1;
  }
  // Everything is written (with write(2), nothing buffered): freeing the
  // documents, outlines and the input would only cost time, about a tenth
  // of a run on the five charts.
  std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return RealMain(argc, argv);
  } catch (const std::exception& e) {
    // Last resort: a pass let an exception out. Say so rather than crash.
    std::fprintf(stderr, "dotk8s-post: internal error: %s\n", e.what());
    return 2;
  }
}
