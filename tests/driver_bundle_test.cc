// dotk8s bundle: write, list, verify, use; a tampered byte is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "driver/bundles/archive_io.h"
#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

// One test: a bundle carries both binaries (tens of MB), so it is written once.
TEST(DriverBundleTest, RoundTripAndTamperedBytes) {
  DriverSandbox sandbox;
  DOTK8S_REQUIRE_SANDBOX(sandbox);
  const std::string bundle = sandbox.root + "/dot-apps-bundle.tar.gz";

  // Write.
  RunResult written = sandbox.Driver({"bundle", "-o", bundle, "--chart", sandbox.chart});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_TRUE(written.out.starts_with("wrote " + bundle + ": ")) << written.out;
  EXPECT_NE(written.out.find("chart dot-apps 0.1.0, 5 dependency archives"), std::string::npos) << written.out;

  // List and verify.
  RunResult listed = sandbox.Driver({"bundle", "list", bundle});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  for (const char* path : {"SHA256SUMS", "manifest.yaml", "bin/dotk8s (executable)", "bin/dotk8s-post (executable)",
                           "helm4-plugins/dotk8s-post/plugin.yaml", "chart/dot-apps/Chart.yaml",
                           "chart/dot-apps/values/helm3.yaml", "chart/dot-apps/charts/keda-2.19.0.tgz",
                           "chart/dot-apps/charts/kube-prometheus-stack-82.2.1.tgz"}) {
    EXPECT_NE(listed.out.find(std::string("  ") + path + "\n"), std::string::npos) << path << "\n" << listed.out;
  }
  EXPECT_NE(listed.out.find(" files match SHA256SUMS\n"), std::string::npos) << listed.out;
  EXPECT_EQ(sandbox.Driver({"bundle", "verify", bundle}).exit_code, 0);

  // The sums check out with the standard tools too: tar and sha256sum -c.
  const std::string unpacked = sandbox.root + "/unpacked";
  fs::create_directories(unpacked);
  ASSERT_EQ(dotk8s::testing::Run({"/bin/tar", "-xzf", bundle, "-C", unpacked}, "").exit_code, 0);
  RunResult sums = dotk8s::testing::Run({"/bin/sh", "-c", "cd " + unpacked + "/dotk8s-bundle && sha256sum --quiet -c SHA256SUMS"}, "");
  EXPECT_EQ(sums.exit_code, 0) << sums.out << sums.err;
  // The binaries run (stripped of debug information: a few MB instead of ~50).
  RunResult version = dotk8s::testing::Run({unpacked + "/dotk8s-bundle/bin/dotk8s-post", "--version"}, "");
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_TRUE(version.out.starts_with("dotk8s-post ")) << version.out;
  version = dotk8s::testing::Run({unpacked + "/dotk8s-bundle/bin/dotk8s", "--version"}, "");
  EXPECT_TRUE(version.out.starts_with("dotk8s ")) << version.out;
  EXPECT_LT(std::filesystem::file_size(unpacked + "/dotk8s-bundle/bin/dotk8s-post"),
            std::filesystem::file_size(DOTK8S_POST_BINARY));

  // Use: template from the bundle alone (no chart beside it).
  RunResult used = sandbox.Driver({"template", "--bundle", bundle}, {"FAKE_HELM_TEMPLATE=/dev/null"});
  ASSERT_EQ(used.exit_code, 0) << used.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 2u);
  const std::string chart = calls[1][4];
  EXPECT_TRUE(chart.starts_with(sandbox.cache + "/dotk8s/bundles/")) << chart;
  EXPECT_TRUE(chart.ends_with("/chart/dot-apps")) << chart;
  const std::string bundle_root = fs::path(chart).parent_path().parent_path().string();
  auto first_crds = std::find_if(calls[1].begin(), calls[1].end(), [](const std::string& arg) {
    return arg.starts_with("--post-renderer-args=--crds=");
  });
  ASSERT_NE(first_crds, calls[1].end());
  EXPECT_EQ(*first_crds, "--post-renderer-args=--crds=" + chart + "/charts/gateway-helm-1.7.0.tgz");
  // Helm 4 runs the bundle's own dotk8s-post.
  EXPECT_EQ(fs::read_symlink(sandbox.data + "/dotk8s/driver-helm4-plugins/dotk8s-post/bin/dotk8s-post").string(),
            bundle_root + "/bin/dotk8s-post");
  EXPECT_TRUE((fs::status(bundle_root + "/bin/dotk8s-post").permissions() & fs::perms::owner_exec) != fs::perms::none);

  // deps --bundle completes a working chart from the bundle.
  fs::remove_all(sandbox.chart + "/charts");
  RunResult deps = sandbox.Driver({"deps", "--chart", sandbox.chart, "--bundle", bundle, "--offline"});
  ASSERT_EQ(deps.exit_code, 0) << deps.err;
  EXPECT_EQ(Lines(deps.out).size(), 5u) << deps.out;

  // One changed byte inside a file: the sums no longer match.
  std::vector<TarMember> members;
  std::string error;
  ASSERT_TRUE(ReadArchive(bundle, {}, &members, &error)) << error;
  bool changed = false;
  for (TarMember& member : members) {
    if (member.path == "dotk8s-bundle/chart/dot-apps/values.yaml") {
      member.content[member.content.size() / 2] ^= 0x01;
      changed = true;
    }
  }
  ASSERT_TRUE(changed);
  const std::string tampered = sandbox.root + "/tampered.tar.gz";
  ASSERT_TRUE(WriteTarGz(tampered, members, &error)) << error;
  RunResult refused = sandbox.Driver({"bundle", "verify", tampered});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_NE(refused.err.find("chart/dot-apps/values.yaml: SHA-256 "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find(" does not match "), std::string::npos) << refused.err;
  fs::remove(sandbox.record);
  refused = sandbox.Driver({"template", "--bundle", tampered});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_NE(refused.err.find("its contents do not match its SHA-256 sums"), std::string::npos) << refused.err;
  EXPECT_TRUE(sandbox.Recorded().empty()) << "nothing may run from a refused bundle";

  // A file added that SHA256SUMS does not list is refused too.
  members.push_back({"dotk8s-bundle/bin/extra", "#!/bin/sh\n", true});
  ASSERT_TRUE(WriteTarGz(tampered, members, &error)) << error;
  refused = sandbox.Driver({"bundle", "verify", tampered});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_NE(refused.err.find("bin/extra is not listed in SHA256SUMS"), std::string::npos) << refused.err;

  // One flipped byte of the compressed file: damaged, refused.
  std::string raw = ReadFile(bundle);
  raw[raw.size() / 2] ^= 0x40;
  WriteFile(tampered, raw);
  refused = sandbox.Driver({"bundle", "verify", tampered});
  EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
}

}  // namespace
}  // namespace dotk8s::testing
