#include "buildscript/package_checksum.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "util/fs.h"

namespace cratecache {
namespace {

bool is_sha256_hex(const nlohmann::json& value) {
  if (!value.is_string()) return false;
  const auto& s = value.get_ref<const std::string&>();
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Cargo joins a listed name to the package root: only a relative path without `..` names a file
// inside it.
bool names_file_inside(const std::string& name) {
  std::filesystem::path p(name);
  return !name.empty() && p.is_relative() && std::none_of(p.begin(), p.end(), [](const auto& part) {
    return part == "..";
  });
}

}  // namespace

std::optional<PackageChecksum> proven_package_checksum(const std::string& package_dir) {
  PackageChecksum checksum{package_dir + "/.cargo-checksum.json", {}};
  auto text = try_read_file(checksum.file);
  if (!text) return std::nullopt;
  // Written by whoever provided the package: anything unexpected proves nothing.
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object() || !is_sha256_hex(doc.value("package", nlohmann::json()))) return std::nullopt;
  auto files = doc.find("files");
  if (files == doc.end() || !files->is_object() || files->empty()) return std::nullopt;
  for (const auto& [name, digest] : files->items()) {
    if (!names_file_inside(name) || !is_sha256_hex(digest)) return std::nullopt;
    checksum.listed.insert(std::filesystem::path(name).lexically_normal().string());
  }
  return checksum;
}

bool lists_file(const PackageChecksum& checksum, const std::string& package_dir, const std::string& path) {
  auto dir = std::filesystem::path(package_dir).lexically_normal();
  auto relative = std::filesystem::path(path).lexically_normal().lexically_relative(dir);
  return !relative.empty() && checksum.listed.count(relative.string()) > 0;
}

}  // namespace cratecache
