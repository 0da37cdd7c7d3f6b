#include "driver/bundles/bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "driver/bundles/sha256.h"

namespace dotk8s {
namespace fs = std::filesystem;

std::string FormatSums(const std::vector<TarMember>& files) {
  std::vector<const TarMember*> sorted;
  for (const TarMember& file : files) sorted.push_back(&file);
  std::sort(sorted.begin(), sorted.end(), [](const TarMember* a, const TarMember* b) { return a->path < b->path; });
  std::string text;
  for (const TarMember* file : sorted) text += fmt::format("{}  {}\n", Sha256Hex(file->content), file->path);
  return text;
}

bool WriteBundle(const std::string& path, const BundleContents& contents, std::string* error) {
  std::vector<TarMember> files;
  TarMember sums;
  sums.path = fmt::format("{}/{}", kBundleRoot, kBundleSums);
  sums.content = FormatSums(contents.files);
  // The sums first: a reader can check every later file as it streams past.
  files.push_back(std::move(sums));
  for (const TarMember& file : contents.files) {
    TarMember rooted = file;
    rooted.path = fmt::format("{}/{}", kBundleRoot, file.path);
    files.push_back(std::move(rooted));
  }
  return WriteTarGz(path, files, error);
}

bool ParseSums(std::string_view text, std::vector<std::pair<std::string, std::string>>* sums, std::string* error) {
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++line_number;
    if (line.empty()) continue;
    if (line.size() < 67 || line.substr(64, 2) != "  " ||
        line.substr(0, 64).find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      *error = fmt::format("{} line {} is not `<sha256>  <path>`", kBundleSums, line_number);
      return false;
    }
    sums->emplace_back(std::string(line.substr(66)), std::string(line.substr(0, 64)));
  }
  return true;
}

bool VerifyBundle(const std::string& path, BundleCheck* check, std::string* error) {
  std::vector<TarMember> files;
  if (!ReadArchive(path, {}, &files, error)) return false;
  const std::string prefix = fmt::format("{}/", kBundleRoot);
  std::map<std::string, const TarMember*> by_path;
  for (TarMember& file : files) {
    if (file.path.rfind(prefix, 0) != 0) {
      check->problems.push_back(fmt::format("{} is outside {}/", file.path, kBundleRoot));
      continue;
    }
    file.path.erase(0, prefix.size());
    by_path[file.path] = &file;
  }
  auto sums_file = by_path.find(std::string(kBundleSums));
  if (sums_file == by_path.end()) {
    *error = fmt::format("{} is not a dotk8s bundle: it has no {}/{}", path, kBundleRoot, kBundleSums);
    return false;
  }
  std::vector<std::pair<std::string, std::string>> sums;
  if (!ParseSums(sums_file->second->content, &sums, error)) {
    *error = fmt::format("{}: {}", path, *error);
    return false;
  }
  std::map<std::string, bool> listed;
  for (const auto& [file_path, expected] : sums) {
    listed[file_path] = true;
    auto found = by_path.find(file_path);
    if (found == by_path.end()) {
      check->problems.push_back(fmt::format("{} is listed in {} but missing", file_path, kBundleSums));
      continue;
    }
    std::string actual = Sha256Hex(found->second->content);
    if (actual != expected) {
      check->problems.push_back(fmt::format("{}: SHA-256 {} does not match {} in {}", file_path, actual, expected,
                                            kBundleSums));
    }
  }
  for (const auto& [file_path, file] : by_path) {
    if (file_path != kBundleSums && !listed.count(file_path)) {
      check->problems.push_back(fmt::format("{} is not listed in {}", file_path, kBundleSums));
    }
  }
  check->files = std::move(files);
  return true;
}

bool ExtractBundle(const BundleCheck& check, const std::string& dir, std::string* error) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  for (const TarMember& file : check.files) {
    fs::path target = fs::path(dir) / file.path;
    // Paths were checked against the sums, but never write outside `dir`.
    if (file.path.find("..") != std::string::npos || fs::path(file.path).is_absolute()) {
      *error = fmt::format("refusing to extract {}: not a plain relative path", file.path);
      return false;
    }
    fs::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary);
    out.write(file.content.data(), static_cast<std::streamsize>(file.content.size()));
    if (!out) {
      *error = fmt::format("cannot write {}", target.string());
      return false;
    }
    out.close();
    if (file.executable) {
      fs::permissions(target, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec, ec);
    }
  }
  return true;
}

}  // namespace dotk8s
