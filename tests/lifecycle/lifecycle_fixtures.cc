#include "lifecycle/lifecycle_fixtures.h"

#include <algorithm>
#include <filesystem>

#include "test_support.h"

namespace dotk8s::lifecycle {

std::string TracePath(std::string_view name) {
  // FixturePath names ../shared/fixtures/upstream/<name>; the traces sit beside it.
  return testing::FixturePath("../traces/" + std::string(name));
}

std::string CrdsDirectory(std::string_view chart) { return testing::FixturePath("crds/" + std::string(chart)); }

namespace {

void AddFiles(const std::string& directory, std::vector<CrdFile>* files) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") paths.push_back(entry.path().string());
  }
  // Path order: gateway-helm's crds/gatewayapi-crds.yaml before crds/generated/*.
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) files->push_back({path, testing::ReadFile(path)});
}

}  // namespace

std::vector<CrdFile> CrdsFolders(bool traefik, bool envoy_gateway, bool prometheus) {
  std::vector<CrdFile> files;
  if (traefik) AddFiles(CrdsDirectory("traefik-39.0.0"), &files);
  if (envoy_gateway) AddFiles(CrdsDirectory("gateway-helm-1.7.0"), &files);
  if (prometheus) AddFiles(CrdsDirectory("kube-prometheus-stack-82.2.1"), &files);
  return files;
}

}  // namespace dotk8s::lifecycle
