// examples/argocd: the Config Management Plugin's init and generate commands,
// run the way the CMP server runs them (in the app's directory, ARGOCD_*
// variables set), and the sidecar patch applied by `kubectl kustomize`.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

const std::string kArgoDir = std::string(DOTK8S_SOURCE_DIR) + "/examples/argocd";

YAML::Node Plugin() {
  YAML::Node config_map = YAML::LoadFile(kArgoDir + "/cmp-plugin.yaml");
  return YAML::Load(config_map["data"]["plugin.yaml"].as<std::string>());
}

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> strings;
  if (node) {
    for (const YAML::Node& item : node) strings.push_back(item.as<std::string>());
  }
  return strings;
}

TEST(ExamplesArgoCdTest, PluginShape) {
  YAML::Node plugin = Plugin();
  EXPECT_EQ(plugin["apiVersion"].as<std::string>(), "argoproj.io/v1alpha1");
  EXPECT_EQ(plugin["kind"].as<std::string>(), "ConfigManagementPlugin");
  EXPECT_EQ(plugin["metadata"]["name"].as<std::string>(), "dotk8s");
  // The file discovery names a file the umbrella chart really has.
  const std::string discover = plugin["spec"]["discover"]["fileName"].as<std::string>();
  EXPECT_TRUE(fs::exists(std::string(DOTK8S_SOURCE_DIR) + "/charts/dot-apps/" + discover)) << discover;
  // The Application refers to the plugin as <name>-<version>.
  YAML::Node application = YAML::LoadFile(kArgoDir + "/application.yaml");
  EXPECT_EQ(application["spec"]["source"]["plugin"]["name"].as<std::string>(),
            plugin["metadata"]["name"].as<std::string>() + "-" + plugin["spec"]["version"].as<std::string>());
  EXPECT_EQ(application["spec"]["source"]["path"].as<std::string>(), "charts/dot-apps");
}

TEST(ExamplesArgoCdTest, InitAndGenerateRenderThroughThePostRenderer) {
  DriverSandbox sandbox;
  DOTK8S_REQUIRE_SANDBOX(sandbox);
  const std::string helm = SourcePath(".tools/helm4/helm");
  ASSERT_TRUE(fs::exists(helm)) << helm << " is missing: run scripts/install-tools.sh";
  // The sidecar's PATH: dotk8s (dotk8s-post beside it) and helm.
  const std::string bin = sandbox.root + "/bin";
  fs::create_directories(bin);
  fs::create_symlink(DOTK8S_DRIVER_BINARY, bin + "/dotk8s");
  fs::create_symlink(helm, bin + "/helm");
  // A Git checkout has no charts/*.tgz: init completes them from the image's cache.
  fs::remove_all(sandbox.chart + "/charts");
  YAML::Node sidecar = YAML::LoadFile(kArgoDir + "/repo-server-sidecar.yaml");
  std::string cache_variable;
  for (const YAML::Node& env : sidecar["spec"]["template"]["spec"]["containers"][0]["env"]) {
    if (env["name"].as<std::string>() == "DOTK8S_CHART_CACHE") cache_variable = env["name"].as<std::string>();
  }
  ASSERT_EQ(cache_variable, "DOTK8S_CHART_CACHE");

  auto run_in_app_dir = [&](const YAML::Node& step) {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "PATH=" + bin + ":/usr/bin:/bin", "HOME=" + sandbox.home,
                                     "XDG_STATE_HOME=" + sandbox.state, "XDG_DATA_HOME=" + sandbox.data,
                                     "XDG_CACHE_HOME=" + sandbox.cache, "DOTK8S_CHART_CACHE=" + sandbox.archives,
                                     "HELM_CACHE_HOME=" + sandbox.root + "/helm/cache",
                                     "HELM_CONFIG_HOME=" + sandbox.root + "/helm/config",
                                     "HELM_DATA_HOME=" + sandbox.root + "/helm/data",
                                     "KUBECONFIG=" + sandbox.root + "/no-kubeconfig", "ARGOCD_APP_NAME=dot-apps",
                                     "ARGOCD_APP_NAMESPACE=dot-system", "ARGOCD_ENV_DOTK8S_PROFILE=autoscaling",
                                     "/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", sandbox.chart};
    for (const std::string& word : Strings(step["command"])) argv.push_back(word);
    for (const std::string& word : Strings(step["args"])) argv.push_back(word);
    return dotk8s::testing::Run(argv, "");
  };
  YAML::Node plugin = Plugin();
  RunResult init = run_in_app_dir(plugin["spec"]["init"]);
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_EQ(Lines(init.out).size(), 5u) << init.out;

  RunResult generate = run_in_app_dir(plugin["spec"]["generate"]);
  ASSERT_EQ(generate.exit_code, 0) << generate.err;
  EXPECT_EQ(generate.err, "") << "the CMP server reads stdout only; nothing else may be said";
  std::vector<Document> docs = ReadDocs(generate.out);
  auto gateway = FindDocs(docs, "Gateway", "eg");
  ASSERT_EQ(gateway.size(), 1u);
  EXPECT_EQ(gateway[0]->Namespace(), "envoy-gateway-system");
  EXPECT_EQ(FindDocs(docs, "ReferenceGrant", "keda-interceptor").size(), 1u);  // profile autoscaling
  EXPECT_TRUE(FindDocs(docs, "Deployment", "traefik").empty());
}

TEST(ExamplesArgoCdTest, SidecarPatchAppliesWithKustomize) {
  const std::string kubectl = std::string(DOTK8S_SOURCE_DIR) + "/.tools/kubectl/kubectl";
  ASSERT_TRUE(fs::exists(kubectl)) << kubectl << " is missing: run scripts/install-tools.sh";
  const ScratchDir dir;
  for (const char* file : {"cmp-plugin.yaml", "repo-server-sidecar.yaml", "kustomization.yaml"}) {
    fs::copy_file(kArgoDir + "/" + file, dir.File(file));
  }
  // A stand-in for Argo CD's own repo server (what the patch lands on).
  WriteFile(dir.File("argocd-repo-server.yaml"), R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  namespace: argocd
spec:
  template:
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.0.0
      volumes:
        - name: var-files
          emptyDir: {}
        - name: plugins
          emptyDir: {}
)");
  YAML::Node kustomization = YAML::LoadFile(dir.File("kustomization.yaml"));
  kustomization["resources"].push_back("argocd-repo-server.yaml");
  WriteFile(dir.File("kustomization.yaml"), YAML::Dump(kustomization));
  RunResult built = dotk8s::testing::Run({kubectl, "kustomize", dir.path}, "");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  YAML::Node deployment;
  for (const YAML::Node& doc : YAML::LoadAll(built.out)) {
    if (doc["kind"].as<std::string>() == "Deployment") deployment = doc;
  }
  ASSERT_TRUE(deployment);
  YAML::Node spec = deployment["spec"]["template"]["spec"];
  ASSERT_EQ(spec["containers"].size(), 2u);
  std::vector<std::string> volumes;
  for (const YAML::Node& volume : spec["volumes"]) volumes.push_back(volume["name"].as<std::string>());
  // The sidecar's mounts all have volumes: Argo CD's two and the patch's own.
  for (const YAML::Node& container : spec["containers"]) {
    if (container["name"].as<std::string>() != "dotk8s") continue;
    for (const YAML::Node& mount : container["volumeMounts"]) {
      EXPECT_NE(std::find(volumes.begin(), volumes.end(), mount["name"].as<std::string>()), volumes.end())
          << mount["name"];
    }
  }
}

}  // namespace
}  // namespace dotk8s::testing
