// Issue 5's done-when: what dotk8s-post injects is checked against the real
// CRDs (../shared/fixtures/upstream/crds), through the whole pipeline and the
// binary; `--validate all` gives no false alarm on real upstream output and
// catches broken copies; a chart .tgz gives what its directory gives.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/passes/validate.h"
#include "core/pipeline.h"
#include "core/yaml/outline.h"
#include "crd_test_util.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

// The ReferenceGrant of the original design: `from` without `namespace`.
constexpr std::string_view kOriginalReferenceGrant = R"(apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: keda-interceptor
  namespace: keda
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
  to:
  - group: ""
    kind: Service
    name: keda-add-ons-http-interceptor-proxy
)";

Document Generated(std::string_view text, std::string source, std::size_t index = 0) {
  Document doc = MakeGeneratedDocument(std::string(text), index);
  YamlProblem problem;
  EXPECT_TRUE(BuildOutline(doc.raw, 0, OutlineOptions{}, &doc.outline, &problem)) << problem.message;
  doc.source_path = std::move(source);
  return doc;
}

std::vector<std::string> Formatted(const Diagnostics& diagnostics, Severity at_least = Severity::kWarning) {
  std::vector<std::string> lines;
  for (const Diagnostic& d : diagnostics) {
    if (d.severity >= at_least) lines.push_back(FormatDiagnostic(d));
  }
  return lines;
}

PostRenderResult RunWithCrds(std::string_view input, std::vector<std::string> crds, ValidateMode mode) {
  PostRenderOptions options;
  options.validate.crd_paths = std::move(crds);
  options.validate.mode = mode;
  return RunPostRenderer(input, options);
}

// Custom resources in a stream: objects whose group the API server does not serve itself.
std::size_t CountCustomResources(std::string_view stream) {
  std::size_t count = 0;
  for (const Document& doc : ReadDocs(stream)) {
    std::string_view group = doc.Group();
    if (doc.IsObject() && group.find('.') != std::string_view::npos && !group.ends_with(".k8s.io")) {
      ++count;
    }
  }
  return count;
}

std::vector<std::string> FieldErrors(const Diagnostics& diagnostics) {
  std::vector<std::string> errors;
  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Severity::kError) errors.push_back(fmt::format("{} {}: {}", d.object, d.field_path, d.message));
  }
  return errors;
}

TEST(ValidatePipelineTest, OriginalDesignsReferenceGrantIsRejectedNamingTheField) {
  std::vector<Document> docs{Generated(kOriginalReferenceGrant, "dotk8s-post/referencegrant.yaml")};
  ValidateOptions options;
  options.crd_paths = {FixtureCrds()};
  Plan plan;
  Diagnostics diagnostics = ValidateAgainstCrds(docs, options, plan);
  ASSERT_EQ(diagnostics.size(), 1u) << fmt::format("{}", fmt::join(Formatted(diagnostics, Severity::kNote), "\n"));
  const Diagnostic& d = diagnostics[0];
  EXPECT_EQ(d.severity, Severity::kError);
  EXPECT_EQ(d.object, "ReferenceGrant keda/keda-interceptor");
  EXPECT_EQ(d.field_path, "spec.from[0].namespace");
  EXPECT_EQ(d.message, "required property missing");
  EXPECT_EQ(FormatDiagnostic(d).rfind("error: dotk8s-post/referencegrant.yaml ReferenceGrant keda/keda-interceptor "
                                      "spec.from[0].namespace: required property missing; hint: dotk8s-post made this "
                                      "object from the settings",
                                      0),
            0u)
      << FormatDiagnostic(d);
  EXPECT_NE(d.hint.find("gateway.networking.k8s.io/v1beta1 ReferenceGrant of " + FixtureCrds("gateway-helm-1.7.0/gatewayapi-crds.yaml")),
            std::string::npos)
      << d.hint;

  // With the namespace it passes.
  std::string fixed(kOriginalReferenceGrant);
  fixed.replace(fixed.find("    kind: HTTPRoute\n"), 19, "    kind: HTTPRoute\n    namespace: default\n");
  std::vector<Document> good{Generated(fixed, "dotk8s-post/referencegrant.yaml")};
  Plan good_plan;
  EXPECT_EQ(Formatted(ValidateAgainstCrds(good, options, good_plan)), std::vector<std::string>{});
  EXPECT_NE(NoteWith(good_plan, "validated 1 object (1 injected)"), "") << fmt::format("{}", fmt::join(good_plan.notes, "\n"));
}

TEST(ValidatePipelineTest, EveryInjectedObjectPassesAgainstTheRealCrds) {
  for (std::string_view fixture : {"helm4-all.yaml", "helm4-all-plus-traefik.yaml"}) {
    SCOPED_TRACE(fixture);
    std::string input = ReadFile(FixturePath(fixture));
    PostRenderResult result = RunWithCrds(input, {FixtureCrds()}, ValidateMode::kInjected);
    ASSERT_TRUE(result.ok) << fmt::format("{}", fmt::join(Formatted(result.diagnostics, Severity::kError), "\n"));
    EXPECT_EQ(Formatted(result.diagnostics), std::vector<std::string>{});
    // GatewayClass, Gateway, PodMonitor and ReferenceGrant are custom resources.
    EXPECT_NE(NoteWith(result.plan, "validated 4 objects (4 injected) against CRD schemas"), "")
        << fmt::format("{}", fmt::join(result.plan.notes, "\n"));
    for (std::string_view kind : {"GatewayClass gateway.networking.k8s.io/v1", "Gateway gateway.networking.k8s.io/v1",
                                  "PodMonitor monitoring.coreos.com/v1", "ReferenceGrant gateway.networking.k8s.io/v1beta1"}) {
      EXPECT_NE(NoteWith(result.plan, kind), "") << kind;
    }
    EXPECT_NE(NoteWith(result.plan, "x-kubernetes-validations (CEL)"), "");
  }
}

TEST(ValidatePipelineTest, AllModeGivesNoFalseAlarmOnRealUpstreamOutput) {
  std::string input = ReadFile(FixturePath("helm4-all.yaml"));
  PostRenderResult result = RunWithCrds(input, {FixtureCrds()}, ValidateMode::kAll);
  ASSERT_TRUE(result.ok) << fmt::format("{}", fmt::join(Formatted(result.diagnostics, Severity::kError), "\n"));
  EXPECT_EQ(Formatted(result.diagnostics), std::vector<std::string>{});
  // 13 ServiceMonitors, 35 PrometheusRules, Prometheus, Alertmanager, the
  // HTTP add-on's ScaledObject (CRD from the stream), and our 4.
  const std::size_t custom = CountCustomResources(input);
  EXPECT_EQ(custom, 51u);
  EXPECT_NE(NoteWith(result.plan, fmt::format("validated {} objects (4 injected)", custom + 4)), "")
      << fmt::format("{}", fmt::join(result.plan.notes, "\n"));
  EXPECT_NE(NoteWith(result.plan, "ScaledObject keda.sh/v1alpha1 from doc "), "");
}

TEST(ValidatePipelineTest, Helm3sZeroValueQuirkIsCaught) {
  // Helm 3 reads values as json.Number, so `{{ if 0 }}` is true and it renders
  // zero fields Helm 4 leaves out (the fixtures' README). One of them is out
  // of the CRD's range: a real API server refuses this Prometheus. Everything
  // else of helm3-all.yaml passes (the stream checked as it comes).
  std::string input = ReadFile(FixturePath("helm3-all.yaml"));
  std::vector<Document> docs = ReadDocs(input);
  ValidateOptions options;
  options.crd_paths = {FixtureCrds()};
  options.mode = ValidateMode::kAll;
  Plan plan;
  Diagnostics diagnostics = ValidateAgainstCrds(docs, options, plan);
  EXPECT_EQ(FieldErrors(diagnostics),
            std::vector<std::string>{"Prometheus dot-system/kube-prometheus-stack-prometheus spec.maximumStartupDurationSeconds: "
                                     "0 is out of range: must be at least 60 (input line 16091)"});
  EXPECT_EQ(Formatted(diagnostics).size(), 1u);
  EXPECT_NE(NoteWith(plan, fmt::format("validated {} objects (0 injected)", CountCustomResources(input))), "")
      << fmt::format("{}", fmt::join(plan.notes, "\n"));
}

// helm4-all.yaml with Grafana's ServiceMonitor broken twice: its endpoint port
// given as a list, its required selector gone; and a PrometheusRule group
// without its required name.
std::string BrokenStream() {
  std::string input = ReadFile(FixturePath("helm4-all.yaml"));
  std::size_t monitor = input.find("  name: dot-apps-grafana\n  namespace: dot-system\n  labels:\n    release: \"dot-apps\"");
  EXPECT_NE(monitor, std::string::npos);
  std::size_t port = input.find("  - port: http-web\n", monitor);
  input.replace(port, 19, "  - port: [http-web]\n");
  std::string selector = "  selector:\n    matchLabels:\n      app.kubernetes.io/name: grafana\n      app.kubernetes.io/instance: dot-apps\n";
  std::size_t at = input.find(selector, monitor);
  EXPECT_NE(at, std::string::npos);
  input.erase(at, selector.size());
  const std::string named_group = "  - name: alertmanager.rules\n    rules:\n";
  std::size_t group = input.find(named_group);
  EXPECT_NE(group, std::string::npos);
  input.replace(group, named_group.size(), "  - rules:\n");
  return input;
}


TEST(ValidatePipelineTest, BrokenCopiesFailNamingThePath) {
  PostRenderResult result = RunWithCrds(BrokenStream(), {FixtureCrds()}, ValidateMode::kAll);
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.output.pieces.empty());
  std::vector<std::string> errors = FieldErrors(result.diagnostics);
  std::sort(errors.begin(), errors.end());
  // Messages carry the input line: cut it for the comparison.
  for (std::string& error : errors) error = error.substr(0, error.find(" (input line"));
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "PrometheusRule prometheus-system/kube-prometheus-stack-alertmanager.rules spec.groups[0].name: required property missing",
                        "ServiceMonitor prometheus-system/dot-apps-grafana spec.endpoints[0].port: expected string, got sequence",
                        "ServiceMonitor prometheus-system/dot-apps-grafana spec.selector: required property missing",
                    }));
  // Located in the input: doc index, template path, line.
  for (const Diagnostic& d : result.diagnostics) {
    if (d.field_path != "spec.endpoints[0].port") continue;
    EXPECT_EQ(d.source_path, "dot-apps/charts/kube-prometheus-stack/charts/grafana/templates/servicemonitor.yaml");
    EXPECT_NE(d.doc_index, Diagnostic::kNoDocument);
    std::string stream = BrokenStream();
    std::size_t line = static_cast<std::size_t>(std::count(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(stream.find("  - port: [http-web]")), '\n')) + 1;
    EXPECT_NE(d.message.find(fmt::format("(input line {})", line)), std::string::npos) << d.message;
  }
  // In the default mode the stream's own objects are not checked.
  EXPECT_TRUE(RunWithCrds(BrokenStream(), {FixtureCrds()}, ValidateMode::kInjected).ok);
}

TEST(ValidatePipelineTest, ChartArchivesGiveTheSameResultAsTheDirectory) {
  // Chart-like archives built from the fixture CRD files: name/crds/x.yaml.
  const ScratchDir dir;
  auto pack = [&](std::string_view chart, std::string_view sub, std::vector<std::string_view> files) {
    std::vector<std::pair<std::string, std::string>> entries{{fmt::format("{}/Chart.yaml", chart), "apiVersion: v2\n"}};
    for (std::string_view file : files) {
      entries.emplace_back(fmt::format("{}/crds/{}", chart, file), ReadFile(FixtureCrds(fmt::format("{}/{}", sub, file))));
    }
    std::string path = fmt::format("{}/{}.tgz", dir.path, chart);
    WriteFile(path, TarGz(entries));
    return path;
  };
  std::string gateway = pack("gateway-helm", "gateway-helm-1.7.0", {"gatewayapi-crds.yaml"});
  std::string prometheus = pack("kube-prometheus-stack", "kube-prometheus-stack-82.2.1",
                                {"crd-podmonitors.yaml", "crd-prometheuses.yaml", "crd-alertmanagers.yaml",
                                 "crd-servicemonitors.yaml", "crd-prometheusrules.yaml"});
  const std::string input = ReadFile(FixturePath("helm4-all.yaml"));
  const std::string broken = BrokenStream();
  for (const std::string* stream : {&input, &broken}) {
    PostRenderResult from_directory = RunWithCrds(*stream, {FixtureCrds()}, ValidateMode::kAll);
    PostRenderResult from_archives = RunWithCrds(*stream, {gateway, prometheus}, ValidateMode::kAll);
    EXPECT_EQ(from_archives.ok, from_directory.ok);
    EXPECT_EQ(FieldErrors(from_archives.diagnostics), FieldErrors(from_directory.diagnostics));
    EXPECT_EQ(FieldErrors(from_directory.diagnostics).size(), stream == &input ? 0u : 3u);
    EXPECT_EQ(Formatted(from_archives.diagnostics).size(), Formatted(from_directory.diagnostics).size());
  }
  PostRenderResult ok = RunWithCrds(input, {gateway, prometheus}, ValidateMode::kAll);
  EXPECT_NE(NoteWith(ok.plan, fmt::format("ReferenceGrant gateway.networking.k8s.io/v1beta1 from {}:gateway-helm/crds/gatewayapi-crds.yaml", gateway)), "")
      << fmt::format("{}", fmt::join(ok.plan.notes, "\n"));
}

TEST(ValidatePipelineTest, WithoutCrdsThePlanSaysWhatWasNotValidatedAndHow) {
  std::string input = ReadFile(FixturePath("helm4-all.yaml"));
  PostRenderOptions options;
  PostRenderResult result = RunPostRenderer(input, options);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(Formatted(result.diagnostics), std::vector<std::string>{});
  std::string note = NoteWith(result.plan, "injected objects not validated");
  EXPECT_NE(note.find("GatewayClass eg"), std::string::npos) << note;
  EXPECT_NE(note.find("ReferenceGrant keda/keda-interceptor"), std::string::npos) << note;
  EXPECT_NE(note.find("pass --crds"), std::string::npos) << note;
}

TEST(ValidatePipelineTest, AnUnservedVersionIsAWarningForInjectedAndAnErrorInAllMode) {
  std::string text(kOriginalReferenceGrant);
  text.replace(text.find("v1beta1"), 7, "v1alpha2");
  std::vector<Document> docs{Generated(text, "dotk8s-post/referencegrant.yaml")};
  ValidateOptions options;
  options.crd_paths = {FixtureCrds()};
  Plan plan;
  Diagnostics injected = ValidateAgainstCrds(docs, options, plan);
  ASSERT_EQ(injected.size(), 1u);
  EXPECT_EQ(injected[0].severity, Severity::kWarning);
  EXPECT_EQ(injected[0].message.rfind("the CRD referencegrants.gateway.networking.k8s.io (", 0), 0u) << injected[0].message;
  EXPECT_NE(injected[0].message.find(") does not serve version v1alpha2; it has v1beta1"), std::string::npos)
      << injected[0].message;
  options.mode = ValidateMode::kAll;
  Diagnostics all = ValidateAgainstCrds(docs, options, plan);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].severity, Severity::kError);

  // No CRD at all for a kind: the same rule.
  std::vector<Document> unknown{Generated("apiVersion: example.dev/v1\nkind: Widget\nmetadata: {name: w}\n", "x.yaml")};
  options.mode = ValidateMode::kInjected;
  Diagnostics missing = ValidateAgainstCrds(unknown, options, plan);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].severity, Severity::kWarning);
  EXPECT_EQ(missing[0].message, "no CustomResourceDefinition for Widget (example.dev/v1) was found");
}

TEST(ValidatePipelineTest, AQuotedPortIsRefusedWhereTheSchemaWantsAnInteger) {
  constexpr std::string_view gateway = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: eg
  namespace: envoy-gateway-system
spec:
  gatewayClassName: eg
  listeners:
  - name: http
    protocol: HTTP
    port: "80"
)";
  std::vector<Document> docs{Generated(gateway, "dotk8s-post/gateway.yaml")};
  ValidateOptions options;
  options.crd_paths = {FixtureCrds()};
  Plan plan;
  std::vector<std::string> errors = FieldErrors(ValidateAgainstCrds(docs, options, plan));
  EXPECT_EQ(errors, std::vector<std::string>{"Gateway envoy-gateway-system/eg spec.listeners[0].port: expected integer, got string"});
}

TEST(ValidatePipelineTest, ConflictingSourcesNameTheIgnoredOne) {
  std::string input = ReadFile(FixturePath("helm4-all-plus-traefik.yaml"));
  PostRenderResult result = RunWithCrds(
      input, {FixtureCrds("gateway-helm-1.7.0"), FixtureCrds("traefik-39.0.0"), FixtureCrds("kube-prometheus-stack-82.2.1")},
      ValidateMode::kInjected);
  ASSERT_TRUE(result.ok);
  std::string note = NoteWith(result.plan, "CRD Gateway.gateway.networking.k8s.io is defined by ");
  EXPECT_NE(note.find(FixtureCrds("gateway-helm-1.7.0/gatewayapi-crds.yaml")), std::string::npos) << note;
  EXPECT_NE(note.find(fmt::format("and by {}", FixtureCrds("traefik-39.0.0/gateway-standard-install.yaml"))), std::string::npos)
      << note;
  EXPECT_NE(note.find("the first is used, the second ignored"), std::string::npos) << note;
}

TEST(ValidatePipelineTest, SourcesAreNotReadWhenTheStreamDefinesEveryKind) {
  // The HTTP add-on's ScaledObject has its CRD in the stream: the --crds
  // directory (with a file that would give a warning) is not even read.
  const ScratchDir dir;
  WriteFile(dir.File("broken.yaml"), "kind: CustomResourceDefinition\nspec: [\n");
  std::string input = ReadFile(FixturePath("helm4-keda-only.yaml"));
  PostRenderResult lazy = RunWithCrds(input, {dir.path}, ValidateMode::kAll);
  ASSERT_TRUE(lazy.ok) << fmt::format("{}", fmt::join(Formatted(lazy.diagnostics), "\n"));
  EXPECT_EQ(Formatted(lazy.diagnostics), std::vector<std::string>{});
  EXPECT_NE(NoteWith(lazy.plan, "validated 1 object (0 injected)"), "") << fmt::format("{}", fmt::join(lazy.plan.notes, "\n"));
  // A kind the stream does not define makes it read the sources.
  PostRenderResult eager = RunWithCrds(ReadFile(FixturePath("helm4-envoy-keda.yaml")), {dir.path}, ValidateMode::kInjected);
  EXPECT_EQ(Formatted(eager.diagnostics).size(), 1u + 3u);  // the broken file; 3 injected kinds without CRD
  // A path that does not exist is an error either way.
  PostRenderResult missing = RunWithCrds(input, {dir.File("nope")}, ValidateMode::kAll);
  EXPECT_FALSE(missing.ok);
}

TEST(ValidatePipelineTest, TheBinaryReportsThroughTheErrorChannel) {
  const ScratchDir dir;
  const std::string log = dir.File("post.log");
  RunResult run = RunPost({"--crds", FixtureCrds(), "--validate", "all", "--log", log}, BrokenStream());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("ServiceMonitor prometheus-system/dot-apps-grafana spec.endpoints[0].port: expected string, got sequence"),
            std::string::npos)
      << run.err;
  EXPECT_NE(ReadFile(log).find("spec.selector: required property missing"), std::string::npos);

  RunResult ok = RunPost({"--crds", FixtureCrds(), "--validate=all", "--log", log}, ReadFile(FixturePath("helm4-all.yaml")));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.err, "");
  EXPECT_FALSE(ok.out.empty());
}

}  // namespace
}  // namespace dotk8s::testing
