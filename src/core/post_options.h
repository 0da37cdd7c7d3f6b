#ifndef DOTK8S_POST_OPTIONS_H_
#define DOTK8S_POST_OPTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

namespace dotk8s {

/// The command line of dotk8s-post, as given.
struct PostArgs {
  std::string release_namespace;
  std::string settings_path;
  std::string log_path;
  std::vector<std::string> crd_paths;
  std::string validate = "injected";
  bool explain = false;
  bool gitops = false;
  std::string notes_path;
  bool version = false;
  bool help = false;
  std::size_t max_input_bytes = std::size_t{1} << 30;
  std::size_t max_document_bytes = std::size_t{256} << 20;
  unsigned threads = 0;
};

/// Parses argv[1..]. `--flag value` and `--flag=value` both work. Returns
/// false with `error` set for a usage error.
bool ParsePostArgs(const std::vector<std::string>& args, PostArgs* out, std::string* error);

/// A size like "512M", "1G", "65536".
bool ParseByteSize(const std::string& text, std::size_t* bytes);

extern const char kPostUsage[];

}  // namespace dotk8s

#endif  // DOTK8S_POST_OPTIONS_H_
