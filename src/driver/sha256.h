#ifndef DOTK8S_DRIVER_SHA256_H_
#define DOTK8S_DRIVER_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dotk8s {

/// SHA-256 (FIPS 180-4), for the bundle manifest. No crypto library with a
/// C++-usable API is a dependency of ours, and the algorithm is short.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view bytes);
  /// The digest; the object must not be updated afterwards.
  std::array<std::uint8_t, 32> Finish();

 private:
  void Block(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

/// Lower-case hex of the digest of `bytes`, as `sha256sum` prints it.
std::string Sha256Hex(std::string_view bytes);

/// Lower-case hex of a digest.
std::string HexDigest(const std::array<std::uint8_t, 32>& digest);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_SHA256_H_
