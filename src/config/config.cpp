#include "config/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include "util/fs.h"
#include "util/log.h"
#include "util/split.h"

namespace cratecache {
namespace {

// "a.pub, b.pub" (environment) -> {"a.pub", "b.pub"}.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  for (auto& item : split_nonempty(text, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(std::move(item));
  }
  return out;
}

std::string default_dir(const EnvLookup& env) {
  if (const char* xdg = env("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/cratecache";
  const char* home = env("HOME");
  return (home && *home ? std::string(home) : home_dir()) + "/.cache/cratecache";
}

void apply(Config& config, const std::string& name, const std::string& value, const std::string& source) {
  try {
    if (name == "max_size") {
      config.max_size = parse_size(value);
    } else if (name == "disable") {
      config.disable = parse_bool(value);
    } else if (name == "cache_path_packages") {
      config.cache_path_packages = parse_bool(value);
    } else if (name == "read_only") {
      config.read_only = parse_bool(value);
    } else if (name == "compression") {
      config.compression.clone_when_possible = value == "auto";
      if (value != "auto") config.compression.codec = parse_codec(value);
    } else if (name == "compression_level") {
      int level = std::stoi(value);
      if (level < 0 || level > 19) throw std::invalid_argument("zstd's level: 1 to 19, or 0 for none");
      // 0 meant "stored raw" before codecs could be chosen; it still does.
      if (level == 0) config.compression = {Codec::kNone, config.compression.zstd_level, false};
      config.compression.zstd_level = level == 0 ? config.compression.zstd_level : level;
    } else if (name == "lock_timeout") {
      double seconds = std::stod(value);
      if (seconds < 0) throw std::invalid_argument("negative timeout");
      config.lock_timeout_ms = static_cast<uint64_t>(seconds * 1000);
    } else if (name == "shared_store") {
      config.shared_store = value.empty() ? value : absolute_path(value);
    } else if (name == "remote") {
      config.remote = value;
    } else if (name == "remote_policy") {
      config.remote_policy = value;
    } else if (name == "remote_connect_timeout_ms") {
      config.remote_connect_timeout_ms = std::stoull(value);
    } else if (name == "remote_timeout_ms") {
      config.remote_timeout_ms = std::stoull(value);
    } else if (name == "signing_key") {
      config.signing_key = value;
    } else if (name == "signing_epoch") {
      config.signing_epoch = std::stoull(value);
    } else if (name == "trusted_keys") {
      config.trusted_keys = split_list(value);
    } else if (name == "trusted_epoch") {
      config.trusted_epoch = std::stoull(value);
    } else if (name == "require_signature") {
      config.require_signature = parse_bool(value);
    } else if (name == "log_file") {
      config.log_file = value;
    } else {
      throw std::invalid_argument("unknown setting");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": bad value '" + value + "' for " + name + " (" + e.what() + ")");
  }
}

void apply_file(Config& config, const std::string& path) {
  if (!stat_file(path)) return;
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path + ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : table) {
    std::string value;
    if (auto s = node.value<std::string>()) {
      value = *s;
    } else if (auto i = node.value<int64_t>()) {
      value = std::to_string(*i);
    } else if (auto b = node.value<bool>()) {
      value = *b ? "true" : "false";
    } else {
      throw std::runtime_error(path + ": unsupported value for " + std::string(key.str()));
    }
    apply(config, std::string(key.str()), value, path);
  }
}

}  // namespace

uint64_t parse_size(const std::string& text) {
  size_t used = 0;
  double number = std::stod(text, &used);
  std::string unit = text.substr(used);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (unit.size() == 2 && unit[1] == 'i') unit.pop_back();
  double scale = 1;
  if (unit.empty()) {
    scale = 1;
  } else if (unit == "K" || unit == "k") {
    scale = 1ULL << 10;
  } else if (unit == "M" || unit == "m") {
    scale = 1ULL << 20;
  } else if (unit == "G" || unit == "g") {
    scale = 1ULL << 30;
  } else if (unit == "T" || unit == "t") {
    scale = static_cast<double>(1ULL << 40);
  } else {
    throw std::invalid_argument("unknown size unit '" + unit + "'");
  }
  if (number < 0) throw std::invalid_argument("negative size");
  return static_cast<uint64_t>(number * scale);
}

bool parse_bool(const std::string& text) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text.empty() || text == "0" || text == "false" || text == "no" || text == "off") return false;
  throw std::invalid_argument("expected true/false");
}

Config Config::load(const EnvLookup& env) {
  Config config;
  const char* dir = env("CRATECACHE_DIR");
  config.dir = dir && *dir ? absolute_path(dir) : default_dir(env);
  apply_file(config, config.dir + "/config.toml");
  static const std::pair<const char*, const char*> kEnv[] = {
      {"CRATECACHE_MAX_SIZE", "max_size"},
      {"CRATECACHE_DISABLE", "disable"},
      {"CRATECACHE_CACHE_PATH_PACKAGES", "cache_path_packages"},
      {"CRATECACHE_READ_ONLY", "read_only"},
      {"CRATECACHE_COMPRESSION", "compression"},
      {"CRATECACHE_COMPRESSION_LEVEL", "compression_level"},
      {"CRATECACHE_LOG", "log_file"},
      {"CRATECACHE_LOCK_TIMEOUT", "lock_timeout"},
      {"CRATECACHE_SHARED_STORE", "shared_store"},
      {"CRATECACHE_REMOTE", "remote"},
      {"CRATECACHE_REMOTE_POLICY", "remote_policy"},
      {"CRATECACHE_REMOTE_CONNECT_TIMEOUT_MS", "remote_connect_timeout_ms"},
      {"CRATECACHE_REMOTE_TIMEOUT_MS", "remote_timeout_ms"},
      {"CRATECACHE_SIGNING_KEY", "signing_key"},
      {"CRATECACHE_SIGNING_EPOCH", "signing_epoch"},
      {"CRATECACHE_TRUSTED_KEYS", "trusted_keys"},
      {"CRATECACHE_TRUSTED_EPOCH", "trusted_epoch"},
      {"CRATECACHE_REQUIRE_SIGNATURE", "require_signature"},
  };
  for (const auto& [var, name] : kEnv) {
    if (const char* value = env(var)) apply(config, name, value, var);
  }
  return config;
}

Config Config::load_from_environment() {
  Config config = load([](const char* name) { return std::getenv(name); });
  // EROFS, EACCES, ...; a store not created yet (ENOENT) is made by the first write.
  config.store_unwritable = ::access(config.dir.c_str(), W_OK) != 0 && errno != ENOENT;
  return config;
}

std::optional<Config> Config::load_for_run() {
  try {
    Config config = load_from_environment();
    if (!config.disable) return config;
  } catch (const std::exception& e) {
    warn("configuration error, caching disabled: {}", e.what());
  }
  return std::nullopt;
}

}  // namespace cratecache
