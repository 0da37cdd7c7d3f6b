// kubectl's JSON lists read into the kept nodes (src/driver/cluster/live_objects.h),
// on the lists recorded from a real API server for verify's tests, and
// verify's -o json as the JSON library writes it.
#include "driver/cluster/live_objects.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "driver/verify/checks.h"
#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {

// A node as text that shows its kind of node and its order: flow or block
// style, quoting and tags do not matter to the checks, the content does.
std::string Canonical(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      std::string text = "{";
      for (const auto& entry : node) text += entry.first.Scalar() + ":" + Canonical(entry.second) + ",";
      return text + "}";
    }
    case YAML::NodeType::Sequence: {
      std::string text = "[";
      for (const YAML::Node& element : node) text += Canonical(element) + ",";
      return text + "]";
    }
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Null: return "~";
    case YAML::NodeType::Undefined: return "?";
  }
  return "?";
}

std::vector<std::string> RecordedLists() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(SourcePath("tests/testdata/verify"))) {
    if (entry.path().extension() == ".json" && entry.path().parent_path().filename() != "verify") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<YAML::Node> Parse(const std::string& json, const KeptFields& kept) {
  std::vector<YAML::Node> items;
  std::string error;
  EXPECT_TRUE(ParseListItems(json, kept, &items, &error)) << error;
  return items;
}

// Kept whole, an object is what yaml-cpp made of the same JSON (which verify
// read it with before), but for managedFields, which kubectl shows only when asked.
TEST(LiveObjectsTest, EveryRecordedListReadsAsYamlCppReadsIt) {
  const std::vector<std::string> lists = RecordedLists();
  ASSERT_GE(lists.size(), 30u);
  for (const std::string& path : lists) {
    const std::string json = ReadFile(path);
    const std::vector<YAML::Node> items = Parse(json, {});
    const YAML::Node loaded = YAML::Load(json);
    ASSERT_EQ(items.size(), loaded["items"].size()) << path;
    for (std::size_t i = 0; i < items.size(); ++i) {
      YAML::Node expected = YAML::Clone(loaded["items"][i]);
      expected["metadata"].remove("managedFields");
      EXPECT_EQ(Canonical(items[i]), Canonical(expected)) << path << " item " << i;
    }
  }
}

TEST(LiveObjectsTest, OnlyTheFieldsAskedForAreKept) {
  const std::string json = ReadFile(SourcePath("tests/testdata/verify/healthy/customresourcedefinitions.apiextensions.k8s.io.json"));
  const std::vector<YAML::Node> crds = Parse(json, {{"spec.group", "spec.versions.served"}, false});
  ASSERT_EQ(crds.size(), 35u);
  const YAML::Node& first = crds.front();
  EXPECT_EQ(Canonical(first["spec"]), "{group:'monitoring.coreos.com',versions:[{served:'true',},],}");
  EXPECT_EQ(first["metadata"]["name"].Scalar(), "alertmanagerconfigs.monitoring.coreos.com");
  EXPECT_EQ(first["metadata"]["annotations"]["operator.prometheus.io/version"].Scalar(), "0.89.0");
  EXPECT_FALSE(first["status"]);
  // The API server's answer carries them; kubectl get -o json would not have shown them.
  ASSERT_NE(json.find("\"managedFields\""), std::string::npos);
  EXPECT_FALSE(first["metadata"]["uid"]);  // metadata: what names it and says whose it is
  EXPECT_FALSE(first["metadata"]["managedFields"]);
}

// What cluster/ownership and cluster/gateway_api_bundle read of managedFields: the
// manager, the subresource, and which top-level fields an entry owns.
TEST(LiveObjectsTest, ManagedFieldsKeepTheirManagersAndTopLevelFields) {
  const std::string json = ReadFile(SourcePath("tests/testdata/verify/foreign-keda/deployments.apps.keda.json"));
  const std::vector<YAML::Node> deployments = Parse(json, {{"status.conditions"}, true});
  ASSERT_EQ(deployments.size(), 1u);
  const YAML::Node fields = deployments[0]["metadata"]["managedFields"];
  ASSERT_TRUE(fields.IsSequence());
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(Canonical(fields[0]), "{fieldsV1:{f:metadata:{},f:spec:{},},manager:'team-keda',operation:'Apply',}");
  EXPECT_EQ(fields[1]["manager"].Scalar(), "kube-controller-manager");
  EXPECT_EQ(fields[1]["subresource"].Scalar(), "status");
  EXPECT_EQ(Canonical(fields[1]["fieldsV1"]), "{f:metadata:{},f:status:{},}");
  EXPECT_FALSE(deployments[0]["spec"]);
}

TEST(LiveObjectsTest, TextThatIsNotJsonIsAnError) {
  std::vector<YAML::Node> items;
  std::string error;
  EXPECT_FALSE(ParseListItems("{\"items\": [", {}, &items, &error));
  EXPECT_NE(error.find("parse error"), std::string::npos) << error;
  EXPECT_TRUE(ParseListItems("", {}, &items, &error));  // no answer: no objects, as before
  EXPECT_TRUE(items.empty());
}

TEST(VerifyJsonTest, EveryValueIsEscapedByTheJsonLibrary) {
  const std::vector<ClusterCheck> checks = {
      {CheckStatus::kOk, "GatewayClass eg", "controllerName x", "", ""},
      {CheckStatus::kFail, "a \"quoted\" \\ name", "line\nnext\ttab \x01", "expected", "not UTF-8: \xff"},
  };
  EXPECT_EQ(FormatChecksJson(checks),
            "[\n"
            "  {\"status\": \"ok\", \"check\": \"GatewayClass eg\", \"found\": \"controllerName x\", \"expected\": \"\", "
            "\"fix\": \"\"},\n"
            "  {\"status\": \"fail\", \"check\": \"a \\\"quoted\\\" \\\\ name\", \"found\": \"line\\nnext\\ttab \\u0001\", "
            "\"expected\": \"expected\", \"fix\": \"not UTF-8: \xEF\xBF\xBD\"}\n"
            "]\n");
  EXPECT_EQ(FormatChecksJson({}), "[]\n");
}

}  // namespace
}  // namespace dotk8s::testing
