#include "key/toolchain.h"

#include <glob.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/digest.h"
#include "util/fs.h"
#include "util/process.h"

namespace cratecache {
namespace {

using nlohmann::json;

std::vector<std::string> glob_paths(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

json snapshot(const std::string& path) {
  auto st = stat_file(path);
  if (!st) return nullptr;
  return json::array({path, st->size, st->mtime_ns, st->inode});
}

std::string line_value(const std::string& text, const std::string& prefix) {
  auto pos = text.find("\n" + prefix);
  if (pos == std::string::npos) return "";
  pos += prefix.size() + 1;
  return text.substr(pos, text.find('\n', pos) - pos);
}

// The rustup proxy is one binary for every toolchain; its selection comes from the environment.
std::string record_name(const std::string& rustc) {
  const char* toolchain = std::getenv("RUSTUP_TOOLCHAIN");
  const char* home = std::getenv("RUSTUP_HOME");
  return sha256_hex(rustc + "\n" + (toolchain ? toolchain : "") + "\n" + (home ? home : ""));
}

bool still_valid(const json& record) {
  for (const auto& f : record.at("files")) {
    if (snapshot(f.at(0).get<std::string>()) != f) return false;
  }
  return true;
}

Toolchain from_record(const json& r) {
  return {r.at("identity"), r.at("release"), r.at("sysroot")};
}

}  // namespace

Toolchain identify_toolchain(const std::string& rustc, const std::string& records_dir) {
  std::string record_path = records_dir + "/" + record_name(rustc) + ".json";
  if (auto text = try_read_file(record_path)) {
    try {
      json record = json::parse(*text);
      if (still_valid(record)) return from_record(record);
    } catch (const std::exception&) {
      // A damaged record is recomputed below.
    }
  }

  auto version = run_capture(rustc, {"-vV"});
  auto sysroot_out = run_capture(rustc, {"--print", "sysroot"});
  if (!version || !sysroot_out) throw std::runtime_error("cannot run " + rustc + " -vV");
  std::string sysroot = sysroot_out->substr(0, sysroot_out->find('\n'));

  auto resolved = find_in_path(rustc).value_or(rustc);
  std::vector<std::string> files{resolved};
  for (auto& p : glob_paths(sysroot + "/lib/librustc_driver-*.so")) files.push_back(p);
  for (auto& p : glob_paths(sysroot + "/lib/rustlib/*/lib/libstd-*.rlib")) files.push_back(p);

  Sha256 h;
  h.field("cratecache-toolchain-v1");
  h.field(*version);
  json snapshots = json::array();
  for (const auto& f : files) {
    h.field(f.substr(f.rfind('/') + 1));
    h.field(sha256_file(f));
    snapshots.push_back(snapshot(f));
  }
  json record = {{"identity", h.hex_final()},
                 {"release", line_value(*version, "release: ")},
                 {"host", line_value(*version, "host: ")},
                 {"sysroot", sysroot},
                 {"rustc", rustc},
                 {"files", snapshots}};
  try {
    write_file_atomic(record_path, record.dump());
    // For listings (stats per toolchain, gc): what this identity is called.
    write_file_atomic(records_dir + "/" + record["identity"].get<std::string>().substr(0, 16) + ".release",
                      line_value(*version, "release: ") + " " + line_value(*version, "host: ") + "\n");
  } catch (const std::exception&) {
    // Not remembered: computed again next time.
  }
  return from_record(record);
}

}  // namespace cratecache
