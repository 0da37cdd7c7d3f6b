#include "driver/release/plan.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "driver/programs/locations.h"

namespace dotk8s {
namespace {

// An empty file of our own (mode 0600) for dotk8s-post's notes, removed when
// the planning render has been read. dotk8s-post writes it only on success;
// empty or missing means no notes.
class NotesFile {
 public:
  explicit NotesFile(const DriverContext& context) {
    std::string dir = context.Env("TMPDIR");
    std::string pattern = (dir.empty() ? std::string("/tmp") : dir) + "/dotk8s-post-notes-XXXXXX";
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) return;  // no --notes then: the notes are a courtesy, not a step
    ::close(fd);
    path_ = pattern;
  }
  ~NotesFile() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove(path_, ec);
  }
  NotesFile(const NotesFile&) = delete;
  NotesFile& operator=(const NotesFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

void PrintPlanNotes(const DriverContext& context, std::string_view notes) {
  constexpr std::string_view kPrefix = "note: ";
  while (!notes.empty()) {
    std::size_t end = notes.find('\n');
    std::string_view line = notes.substr(0, end);
    notes.remove_prefix(end == std::string_view::npos ? notes.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(kPrefix)) line.remove_prefix(kPrefix.size());
    if (!line.empty()) *context.err << fmt::format("dotk8s-post: {}\n", line);
  }
}

int PlanRelease(DriverContext& context, const PreparedRelease& prepared, RenderedRelease* rendered) {
  NotesFile notes(context);
  PreparedRelease planning = prepared;
  planning.wiring.notes_path = notes.path();
  Command render = HelmReleaseCommand(planning, "template", {"--set", "apps.createNamespaces=true"}, true);
  render.purpose = "rendering the release to plan it";
  std::string stream;
  int code = RunHelm(context, prepared, render, &stream);
  if (code != kExitOk) return code;
  std::string text;
  if (!notes.path().empty() && ReadFileText(notes.path(), &text)) PrintPlanNotes(context, text);
  std::string error;
  if (!ReadRenderedRelease(stream, prepared.release_namespace, rendered, &error)) {
    context.Error(fmt::format("the rendered release does not read back: {}", error));
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dotk8s
