#include "test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/yaml/read.h"

extern char** environ;

namespace dotk8s::testing {

std::string FixturePath(std::string_view name) {
  const char* shared = std::getenv("DOTK8S_SHARED");
  std::string base = shared != nullptr && shared[0] != '\0' ? shared : DOTK8S_SOURCE_DIR "/../shared";
  return base + "/fixtures/upstream/" + std::string(name);
}

std::string WithoutReleaseOwnership(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end == std::string_view::npos ? text.size() : end + 1);
    if (line.find("meta.helm.sh/release-namespace:") == std::string_view::npos) out += line;
    text.remove_prefix(line.size());
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "dotk8s-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

RunResult Run(const std::vector<std::string>& argv, std::string_view input, const std::vector<std::string>& env) {
  std::string dir = MakeTempDir();
  std::string in_path = dir + "/stdin";
  std::string out_path = dir + "/stdout";
  std::string err_path = dir + "/stderr";
  WriteFile(in_path, input);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> c_argv;
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  // An entry of `env` replaces the inherited one: with both present, glibc's
  // getenv and Go's os.Getenv (helm) would see the inherited one first.
  auto overridden = [&](std::string_view entry) {
    std::string_view key = entry.substr(0, entry.find('=') + 1);
    for (const std::string& e : env) {
      if (std::string_view(e).substr(0, e.find('=') + 1) == key) return true;
    }
    return false;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env_strings.emplace_back(*e);
  }
  for (const std::string& e : env) env_strings.push_back(e);
  std::vector<char*> c_env;
  for (std::string& e : env_strings) c_env.push_back(e.data());
  c_env.push_back(nullptr);
  pid_t pid = 0;
  RunResult result;
  if (posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data()) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    throw std::runtime_error("cannot run " + argv[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  std::filesystem::remove_all(dir);
  return result;
}

RunResult RunPost(const std::vector<std::string>& args, std::string_view input) {
  std::vector<std::string> argv{DOTK8S_POST_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  bool has_log = false;
  for (const std::string& a : args) has_log = has_log || a.rfind("--log", 0) == 0;
  if (!has_log) {
    // Keep test failures out of the developer's own log.
    argv.push_back("--log");
    argv.push_back((std::filesystem::temp_directory_path() / "dotk8s-test-post.log").string());
  }
  return Run(argv, input);
}

std::vector<Document> ReadDocs(std::string_view stream) {
  std::vector<Document> docs;
  Diagnostics diagnostics = ReadStream(stream, ReadOptions{}, &docs);
  if (HasErrors(diagnostics)) throw std::runtime_error("output does not read back: " + FormatDiagnostic(diagnostics[0]));
  return docs;
}

std::vector<const Document*> FindDocs(const std::vector<Document>& docs, std::string_view kind, std::string_view name) {
  std::vector<const Document*> found;
  for (const Document& doc : docs) {
    if (doc.Kind() == kind && (name.empty() || doc.Name() == name)) found.push_back(&doc);
  }
  return found;
}

const std::vector<FixtureComponents>& FixtureMatrix() {
  static const std::vector<FixtureComponents> fixtures = {
      {"helm4-all.yaml", true, true, true, true, false},
      {"helm4-all-plus-traefik.yaml", true, true, true, true, true},
      {"helm4-envoy-only.yaml", true, false, false, false, false},
      {"helm4-keda-only.yaml", false, true, true, false, false},
      {"helm4-prometheus-only.yaml", false, false, false, true, false},
      {"helm4-envoy-prometheus.yaml", true, false, false, true, false},
      {"helm4-envoy-keda.yaml", true, true, true, false, false},
      {"helm3-all.yaml", true, true, true, true, false},
      {"helm4-none.yaml", false, false, false, false, false},
  };
  return fixtures;
}

}  // namespace dotk8s::testing
