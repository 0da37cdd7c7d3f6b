#include "driver/bundles/sha256.h"

#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace dotk8s {
namespace {

// FIPS 180-4 / NIST example vectors.
TEST(DriverSha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 56- and 64-byte padding boundaries against sha256sum:
// what the bundle check relies on is that both tools agree byte for byte.
TEST(DriverSha256Test, PaddingEdgesMatchSha256sum) {
  for (std::size_t length : {1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u}) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i) text.push_back(static_cast<char>('a' + i % 26));
    testing::RunResult sum = testing::Run({"/usr/bin/sha256sum"}, text);
    ASSERT_EQ(sum.exit_code, 0) << sum.err;
    EXPECT_EQ(Sha256Hex(text), sum.out.substr(0, 64)) << "length " << length;
  }
}

// The same digest as sha256sum on a real 1.4 MB file.
TEST(DriverSha256Test, MatchesSha256sum) {
  const std::string path = testing::FixturePath("helm4-all.yaml");
  testing::RunResult sum = testing::Run({"/usr/bin/sha256sum", path}, "");
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  EXPECT_EQ(Sha256Hex(testing::ReadFile(path)), sum.out.substr(0, 64));
  // And the prefix the fixtures README records for that file.
  EXPECT_EQ(Sha256Hex(testing::ReadFile(path)).substr(0, 16), "0ddaef1f1093415d");
}

}  // namespace
}  // namespace dotk8s
