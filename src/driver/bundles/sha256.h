#ifndef DOTK8S_DRIVER_BUNDLES_SHA256_H_
#define DOTK8S_DRIVER_BUNDLES_SHA256_H_

#include <string>
#include <string_view>

namespace dotk8s {

/// Lower-case hex of the SHA-256 of `bytes`, as `sha256sum` prints it:
/// OpenSSL's libcrypto (EVP_Digest), the implementation everybody audits, for
/// the bundle's integrity check and the CRD digests. It uses the CPU's SHA
/// extensions where there are some.
std::string Sha256Hex(std::string_view bytes);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_BUNDLES_SHA256_H_
