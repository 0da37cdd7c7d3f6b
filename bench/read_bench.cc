// Micro benchmarks of the passes that touch every byte, on the real Helm 4
// stream of the five charts: splitting, the two outline readers, writing, the
// whole post-renderer, and yaml-cpp loading every document (what a
// straightforward post-renderer would do) for scale.
//   build/bench/dotk8s_read_bench [--benchmark_filter=Outline]
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "core/yaml/read.h"
#include "core/yaml/write.h"
#include "core/yaml/yaml_node.h"

namespace {

const std::string& Stream() {
  static const std::string text = [] {
    const char* shared = std::getenv("DOTK8S_SHARED");
    const std::string path =
        std::string(shared != nullptr && shared[0] != '\0' ? shared : DOTK8S_SHARED_DIR) + "/fixtures/upstream/helm4-all.yaml";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }();
  return text;
}

void SetBytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(Stream().size()));
}

void BM_SplitStream(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(dotk8s::SplitStream(Stream()));
  SetBytes(state);
}
BENCHMARK(BM_SplitStream);

void ReadWith(benchmark::State& state, bool fast) {
  dotk8s::ReadOptions options;
  options.threads = 1;
  options.outline.allow_fast_path = fast;
  for (auto _ : state) {
    std::vector<dotk8s::Document> docs = dotk8s::SplitStream(Stream());
    benchmark::DoNotOptimize(dotk8s::ReadOutlines(docs, options));
  }
  SetBytes(state);
}

void BM_ReadOutlinesFast(benchmark::State& state) { ReadWith(state, true); }
BENCHMARK(BM_ReadOutlinesFast);

void BM_ReadOutlinesLibyaml(benchmark::State& state) { ReadWith(state, false); }
BENCHMARK(BM_ReadOutlinesLibyaml);

// Placement asks for the release namespace's occurrences.
void BM_ReadOutlinesNeedle(benchmark::State& state) {
  dotk8s::ReadOptions options;
  options.threads = 1;
  options.outline.needles = {"dot-system"};
  for (auto _ : state) {
    std::vector<dotk8s::Document> docs = dotk8s::SplitStream(Stream());
    benchmark::DoNotOptimize(dotk8s::ReadOutlines(docs, options));
  }
  SetBytes(state);
}
BENCHMARK(BM_ReadOutlinesNeedle);

void BM_WriteStream(benchmark::State& state) {
  std::vector<dotk8s::Document> docs;
  dotk8s::ReadOptions options;
  options.threads = 1;
  dotk8s::ReadStream(Stream(), options, &docs);
  for (auto _ : state) benchmark::DoNotOptimize(dotk8s::WriteStream(docs).Join());
  SetBytes(state);
}
BENCHMARK(BM_WriteStream);

void BM_RunPostRenderer(benchmark::State& state) {
  dotk8s::PostRenderOptions options;
  options.read.threads = 1;
  for (auto _ : state) {
    dotk8s::PostRenderResult result = dotk8s::RunPostRenderer(Stream(), options);
    if (!result.ok) state.SkipWithError("the pipeline failed on helm4-all.yaml");
    benchmark::DoNotOptimize(result.output.size);
  }
  SetBytes(state);
}
BENCHMARK(BM_RunPostRenderer)->Unit(benchmark::kMillisecond);

// The trees ParseDocument builds (libyaml events into yaml-cpp nodes), for every document.
void BM_LoadYamlNodeEveryDocument(benchmark::State& state) {
  const std::vector<dotk8s::Document> docs = dotk8s::SplitStream(Stream());
  for (auto _ : state) {
    for (const dotk8s::Document& doc : docs) {
      YAML::Node node;
      std::string error;
      benchmark::DoNotOptimize(dotk8s::LoadYamlNode(doc.raw.substr(doc.body_offset), &node, &error));
    }
  }
  SetBytes(state);
}
BENCHMARK(BM_LoadYamlNodeEveryDocument)->Unit(benchmark::kMillisecond);

// A straightforward post-renderer: yaml-cpp loads and emits every document.
void BM_YamlCppLoadAndEmit(benchmark::State& state) {
  for (auto _ : state) {
    YAML::Emitter out;
    for (const YAML::Node& doc : YAML::LoadAll(Stream())) out << doc;
    benchmark::DoNotOptimize(out.c_str());
  }
  SetBytes(state);
}
BENCHMARK(BM_YamlCppLoadAndEmit)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
