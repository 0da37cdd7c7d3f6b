// What CRD validation costs, stage by stage, on the fixtures' real CRDs
// (../shared/fixtures/upstream/crds) and streams:
// - indexing the --crds sources (a directory of 8.2 MB of CRDs; a chart .tgz);
// - parsing one CRD and compiling one version's schema, for the kinds
//   dotk8s-post injects and the big ones --validate all meets;
// - checking one object against a compiled schema;
// - the whole pipeline on helm4-all.yaml without --crds, with --crds, and
//   with --crds --validate all.
// Schemas are parsed and compiled once per run and only for kinds in the
// stream, so a run pays index + (parse + compile) per kind + check per object.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/validation/crd_catalog.h"
#include "core/pipeline.h"
#include "core/validation/schema_check.h"
#include "core/validation/schema_value.h"

namespace {

using namespace dotk8s;

std::string Shared() {
  const char* shared = std::getenv("DOTK8S_SHARED");
  return shared != nullptr && shared[0] != '\0' ? shared : DOTK8S_SHARED_DIR;
}

std::string Upstream(const std::string& name) { return Shared() + "/fixtures/upstream/" + name; }

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A chart-like archive of Envoy Gateway's CRDs: gateway-helm/crds/...
const std::string& GatewayChartArchive() {
  static const std::string path = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "dotk8s-validate-bench").string();
    std::filesystem::create_directories(dir + "/gateway-helm");
    std::filesystem::remove_all(dir + "/gateway-helm/crds");
    std::filesystem::copy(Upstream("crds/gateway-helm-1.7.0"), dir + "/gateway-helm/crds",
                          std::filesystem::copy_options::recursive);
    std::string archive = dir + "/gateway-helm-1.7.0.tgz";
    std::string command = "tar czf '" + archive + "' -C '" + dir + "' gateway-helm";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("tar failed");
    return archive;
  }();
  return path;
}

void BM_IndexCrdDirectory(benchmark::State& state) {
  const std::string dir = Upstream("crds");
  for (auto _ : state) {
    CrdCatalog catalog;
    Diagnostics d = catalog.AddPath(dir);
    benchmark::DoNotOptimize(catalog.size());
  }
}
BENCHMARK(BM_IndexCrdDirectory)->Unit(benchmark::kMillisecond);

void BM_IndexChartArchive(benchmark::State& state) {
  const std::string& archive = GatewayChartArchive();
  for (auto _ : state) {
    CrdCatalog catalog;
    Diagnostics d = catalog.AddPath(archive);
    benchmark::DoNotOptimize(catalog.size());
  }
}
BENCHMARK(BM_IndexChartArchive)->Unit(benchmark::kMillisecond);

struct Kind {
  const char* group;
  const char* kind;
  const char* version;
};
constexpr Kind kKinds[] = {
    {"gateway.networking.k8s.io", "GatewayClass", "v1"}, {"gateway.networking.k8s.io", "Gateway", "v1"},
    {"gateway.networking.k8s.io", "ReferenceGrant", "v1beta1"}, {"monitoring.coreos.com", "PodMonitor", "v1"},
    {"monitoring.coreos.com", "ServiceMonitor", "v1"}, {"monitoring.coreos.com", "Prometheus", "v1"},
};

const CrdDefinition& Definition(CrdCatalog& catalog, const Kind& kind) {
  if (catalog.size() == 0) catalog.AddPath(Upstream("crds"));
  const CrdDefinition* definition = catalog.Find(kind.group, kind.kind);
  if (definition == nullptr) throw std::runtime_error(std::string("no CRD for ") + kind.kind);
  return *definition;
}

void BM_ParseCrd(benchmark::State& state) {
  const Kind& kind = kKinds[state.range(0)];
  CrdCatalog catalog;
  const CrdDefinition& definition = Definition(catalog, kind);
  state.SetLabel(std::string(kind.kind));
  for (auto _ : state) {
    JsonValue root;
    std::string error;
    JsonLoadLimits limits;
    limits.drop_scalar_descriptions = true;  // as CrdCatalog::Parse reads CRDs
    LoadJsonValue(definition.text, &root, &error, limits);
    benchmark::DoNotOptimize(root.object.size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * static_cast<std::int64_t>(definition.text.size())));
}
BENCHMARK(BM_ParseCrd)->DenseRange(0, 5)->Unit(benchmark::kMillisecond);

void BM_CompileSchema(benchmark::State& state) {
  const Kind& kind = kKinds[state.range(0)];
  CrdCatalog catalog;
  const CrdDefinition& definition = Definition(catalog, kind);
  std::string error;
  const ParsedCrd* parsed = catalog.Parse(definition, &error);
  const JsonValue& schema = *parsed->Version(kind.version)->schema;
  state.SetLabel(std::string(kind.kind));
  for (auto _ : state) {
    std::unique_ptr<CompiledSchema> compiled = CompiledSchema::Compile(schema, &error);
    benchmark::DoNotOptimize(compiled.get());
  }
}
BENCHMARK(BM_CompileSchema)->DenseRange(0, 5)->Unit(benchmark::kMillisecond);

void BM_CheckGateway(benchmark::State& state) {
  CrdCatalog catalog;
  const CrdDefinition& definition = Definition(catalog, kKinds[1]);
  std::string error;
  std::unique_ptr<CompiledSchema> compiled =
      CompiledSchema::Compile(*catalog.Parse(definition, &error)->Version("v1")->schema, &error);
  JsonValue gateway;
  LoadJsonValue(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: eg\n  namespace: "
      "envoy-gateway-system\nspec:\n  gatewayClassName: eg\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: "
      "80\n    allowedRoutes:\n      namespaces:\n        from: All\n",
      &gateway, &error);
  for (auto _ : state) {
    JsonValue object = gateway;
    benchmark::DoNotOptimize(compiled->Check(object).size());
  }
}
BENCHMARK(BM_CheckGateway)->Unit(benchmark::kMicrosecond);

void BM_Pipeline(benchmark::State& state) {
  static const std::string input = Slurp(Upstream("helm4-all.yaml"));
  PostRenderOptions options;
  if (state.range(0) >= 1) options.validate.crd_paths = {Upstream("crds")};
  if (state.range(0) == 2) options.validate.mode = ValidateMode::kAll;
  state.SetLabel(state.range(0) == 0 ? "no --crds" : state.range(0) == 1 ? "--crds" : "--crds --validate all");
  for (auto _ : state) {
    PostRenderResult result = RunPostRenderer(input, options);
    if (!result.ok) state.SkipWithError("the pipeline failed");
    benchmark::DoNotOptimize(result.output.pieces.size());
  }
}
BENCHMARK(BM_Pipeline)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
