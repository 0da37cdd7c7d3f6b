// dotk8s explain [--graph]: what goes where and why, from dotk8s-post's own
// plan, on exactly the stream helm hands the post-renderer.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "driver/cli/options.h"
#include "driver/commands/mermaid_graph.h"
#include "driver/commands/table.h"
#include "driver/programs/locations.h"
#include "driver/programs/program_failure.h"
#include "driver/release/setup.h"

namespace dotk8s {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kCapturePluginYaml = R"(# Kept by dotk8s explain: copies what helm hands a post-renderer to a file.
apiVersion: v1
name: dotk8s-capture
type: postrenderer/v1
version: 0.1.0
runtime: subprocess
runtimeConfig:
  platformCommand:
    - command: {}
      args: ["__capture"]
)";

// Runs helm template with a capture post-renderer (dotk8s __capture) in place
// of dotk8s-post, so the stream is byte for byte what dotk8s-post would get.
int CaptureStream(DriverContext& context, const PreparedRelease& prepared, std::string* stream) {
  std::error_code ec;
  fs::create_directories(CacheDir(context), ec);
  // The render holds Secrets: a file only we can read (mkstemp: mode 0600),
  // which the capture overwrites in place and which is removed once read.
  std::string capture_file = CacheDir(context) + "/explain-XXXXXX";
  int fd = ::mkstemp(capture_file.data());
  if (fd < 0) {
    context.Error(fmt::format("cannot create a capture file in {}", CacheDir(context)));
    return kExitFailed;
  }
  ::close(fd);
  Command command = HelmReleaseCommand(prepared, "template", {}, false);
  if (prepared.helm.major == 4) {
    const std::string plugins = DataDir(context) + "/capture-plugins";
    fs::create_directories(plugins + "/dotk8s-capture", ec);
    std::ofstream(plugins + "/dotk8s-capture/plugin.yaml", std::ios::binary)
        << fmt::format(fmt::runtime(kCapturePluginYaml), context.self_path);
    command.env = {{"HELM_PLUGINS", plugins}};
    command.argv.insert(command.argv.end(), {"--post-renderer", "dotk8s-capture"});
  } else {
    command.argv.insert(command.argv.end(),
                        {"--post-renderer", context.self_path, "--post-renderer-args=__capture"});
  }
  command.argv.push_back("--post-renderer-args=" + capture_file);
  command.purpose = "rendering the chart to see what dotk8s-post gets";
  context.Progress(command.purpose);
  ProcessResult result = context.runner->Run(command);
  bool captured = ReadFileText(capture_file, stream);
  fs::remove(capture_file, ec);
  if (!result.Ok() || !captured) {
    if (!result.err.empty()) *context.err << result.err;
    context.Error(fmt::format("helm template failed: {}", FailureText(result)));
    return kExitFailed;
  }
  return kExitOk;
}

// What dotk8s-post is to explain, and how it runs on it.
struct ExplainInput {
  std::string stream;
  std::string release_namespace;
  std::string post_binary;
  std::vector<std::string> post_args;  ///< --crds=ARCHIVE, one per dependency archive
};

// A captured stream (--stream), or the chart rendered as install would render
// it. Returns an exit code.
int ReadExplainInput(DriverContext& context, const ExplainOptions& options, ExplainInput* input) {
  input->release_namespace = options.release.release_namespace.value_or("");
  if (options.stream) {
    // A captured stream (the shared fixtures are such): no chart, no helm.
    if (!ReadFileText(*options.stream, &input->stream)) {
      context.Error(fmt::format("cannot read --stream {}", *options.stream));
      return kExitMissing;
    }
    input->post_binary = FindPostBinary(context, options.release.workspace.post);
    if (input->post_binary.empty()) {
      context.Error("cannot find the dotk8s-post executable", "pass --post PATH");
      return kExitMissing;
    }
    return kExitOk;
  }
  PreparedRelease prepared;
  int code = PrepareRelease(options.release, context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) return code;
  code = CaptureStream(context, prepared, &input->stream);
  if (code != kExitOk) return code;
  input->release_namespace = prepared.release_namespace;
  input->post_binary = prepared.workspace.post_binary;
  for (const std::string& archive : prepared.wiring.crd_archives) input->post_args.push_back("--crds=" + archive);
  return kExitOk;
}

// dotk8s-post on the stream: --explain's plan, or (--graph) the post-rendered
// objects in `out`. Returns an exit code.
int RunPostRenderer(DriverContext& context, const ExplainOptions& options, ExplainInput input, std::string* out) {
  Command post;
  post.argv = {input.post_binary};
  if (!options.graph) post.argv.push_back("--explain");
  if (!input.release_namespace.empty()) post.argv.push_back("--release-namespace=" + input.release_namespace);
  post.argv.insert(post.argv.end(), input.post_args.begin(), input.post_args.end());
  if (options.release.programs.log) post.argv.push_back("--log=" + *options.release.programs.log);
  post.input = std::move(input.stream);
  post.purpose = "running dotk8s-post";
  context.Progress(post.purpose);
  ProcessResult result = context.runner->Run(post);
  if (!result.Ok()) {
    *context.err << result.err;
    context.Error(fmt::format("dotk8s-post failed ({})", FailureText(result)));
    return kExitFailed;
  }
  *out = std::move(result.out);
  return kExitOk;
}

}  // namespace

int RunExplainCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  const ExplainOptions options = ParseExplainOptions(line);
  ExplainInput input;
  int code = ReadExplainInput(context, options, &input);
  if (code != kExitOk) return code;
  std::string out;
  code = RunPostRenderer(context, options, std::move(input), &out);
  if (code != kExitOk) return code;
  if (!options.graph) {
    *context.out << out;
    return kExitOk;
  }
  std::string graph;
  std::string error;
  if (!MermaidGraph(out, &graph, &error)) {
    context.Error(fmt::format("cannot read dotk8s-post's output: {}", error));
    return kExitFailed;
  }
  *context.out << "```mermaid\n" << graph << "```\n";
  return kExitOk;
}

int RunCaptureCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  if (line.positionals.size() != 1) {
    context.Error("usage: dotk8s __capture FILE");
    return kExitUsage;
  }
  std::ostringstream buffer;
  buffer << context.in->rdbuf();
  const std::string input = buffer.str();
  std::ofstream(line.positionals[0], std::ios::binary) << input;
  // Helm 4 refuses an empty post-renderer output; a comment is not empty.
  *context.out << (input.find_first_not_of(" \t\r\n") == std::string::npos ? std::string("# empty render\n") : input);
  return kExitOk;
}

}  // namespace dotk8s
