#include "buildscript/run.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "buildscript/directives.h"
#include "buildscript/run_key.h"
#include "config/config.h"
#include "key/content_digest.h"
#include "key/manifest.h"
#include "key/path_normaliser.h"
#include "key/project_roots.h"
#include "key/stat_cache.h"
#include "key/unit_key.h"
#include "store/entry.h"
#include "store/local_store.h"
#include "store/materialise.h"
#include "store/stats.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/process.h"
#include "wrapper/unit_log.h"

extern char** environ;

namespace cratecache {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr const char* kKind = "build-script-run";

const char* getenv_fn(const char* name) { return std::getenv(name); }

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::vector<std::string> environment_names() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    names.emplace_back(kv.substr(0, kv.find('=')));
  }
  return names;
}

// OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out: the same roots as the unit that built
// the script, plus OUT_DIR itself.
PathNormaliser normaliser_for(const std::string& out_dir, const std::string& manifest_dir) {
  RustcArgs unit;
  unit.out_dir = dirname_of(out_dir);
  unit.cap_lints_allow = true;
  PathNormaliser n = make_normaliser(find_project_roots(unit, manifest_dir, getenv_fn));
  n.add_root(out_dir, "OUT_DIR");
  return n;
}

class ScriptRun {
 public:
  ScriptRun(const Config& config, std::string real, std::vector<std::string> args)
      : config_(config),
        real_(std::move(real)),
        args_(std::move(args)),
        store_(config.dir, config.max_size),
        stats_(config.dir),
        digests_(config.dir + "/stat"),
        out_dir_(env_or_empty("OUT_DIR")),
        manifest_dir_(env_or_empty("CARGO_MANIFEST_DIR")),
        package_(env_or_empty("CARGO_PKG_NAME")),
        normaliser_(normaliser_for(out_dir_, manifest_dir_)) {
    if (out_dir_.empty() || manifest_dir_.empty()) throw std::runtime_error("not run by Cargo (no OUT_DIR)");
  }

  void prepare() {
    RunKeyContext ctx{digests_.digest(real_), manifest_dir_, normaliser_, getenv_fn, environment_names(),
                      config_.dir, digests_};
    input_key_ = compute_run_key(ctx);
    manifest_path_ = config_.dir + "/manifests/" + input_key_.substr(0, 2) + "/" + input_key_ + ".json";
  }

  bool try_replay() {
    auto key = Manifest::load(manifest_path_).match(normaliser_, getenv_fn);
    if (!key) return false;
    auto bytes = store_.get(*key);
    if (!bytes) return false;
    Replay replay;
    try {
      replay = materialise(*bytes, out_dir_, normaliser_, digests_);
    } catch (const CorruptEntry& e) {
      warn("removing corrupt cache entry for the build script of {} ({})", package_, e.what());
      store_.remove(*key);
      stats_.add("errors.corrupt_entry");
      return false;
    }
    replay_output(replay);
    const EntryInfo& entry = replay.info;
    uint64_t spent = ms_since(start_);
    stats_.add_many({{"hits", 1},
                     {std::string("hits.") + kKind, 1},
                     {"time_saved_ms", entry.compile_ms > spent ? static_cast<int64_t>(entry.compile_ms - spent) : 0}});
    log("hit", "");
    return true;
  }

  int run_and_store() {
    auto run_start = Clock::now();
    TeeResult run = run_tee(real_, args_);
    uint64_t run_ms = ms_since(run_start);
    if (run.exit_code != 0) {
      count_not_cached("script_failed");
      return run.exit_code;
    }
    try {
      if (auto reason = store_result(run, run_ms)) {
        count_not_cached(*reason);
      } else {
        stats_.add("misses");
        log("miss", "");
      }
    } catch (const std::exception& e) {
      warn("could not store the build-script run of {}: {}", package_, e.what());
      count_error("store_write");
    }
    return 0;
  }

  void count_not_cached(const std::string& reason) {
    try {
      stats_.add("not_cached." + reason);
    } catch (const std::exception&) {
    }
    log("not_cached", reason);
  }

  void count_error(const std::string& kind) {
    try {
      stats_.add("errors." + kind);
    } catch (const std::exception&) {
    }
  }

 private:
  static uint64_t ms_since(Clock::time_point t) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
  }

  void log(const std::string& outcome, const std::string& detail) {
    append_unit_log(config_.log_file, outcome, package_, kKind, detail);
  }

  // Returns a reason when the run must not be stored.
  std::optional<std::string> store_result(const TeeResult& run, uint64_t run_ms) {
    RerunDirectives directives = parse_rerun_directives(run.out);
    bool immutable_package = stat_file(manifest_dir_ + "/.cargo-checksum.json").has_value();
    // Without directives Cargo reruns on any change in the package: only an immutable one is safe.
    if (!directives.any() && !immutable_package) return "no_rerun_if";

    ManifestCandidate candidate;
    std::vector<SourceDigest> inputs;
    for (const auto& p : directives.changed_paths) {
      std::string abs = p[0] == '/' ? p : manifest_dir_ + "/" + p;
      ManifestFile f = describe_input(abs, normaliser_.normalise(abs));
      inputs.push_back({f.path, f.digest});
      candidate.files.push_back(std::move(f));
    }
    for (const auto& name : directives.env_vars) {
      const char* v = std::getenv(name.c_str());
      candidate.env.push_back({name, v ? std::optional<std::string>(v) : std::nullopt});
    }
    candidate.result_key = compute_result_key(input_key_, inputs, candidate.env);

    Entry entry;
    entry.crate_name = package_;
    entry.unit_kind = kKind;
    entry.compile_ms = run_ms;
    if (auto reason = collect_out_dir(entry)) return reason;
    entry.blobs.push_back({":stdout", 0, true, normaliser_.normalise(run.out), ""});
    entry.blobs.push_back({":stderr", 0, true, normaliser_.normalise(run.err), ""});

    store_.put(candidate.result_key, encode_entry(entry, config_.compression_level));
    Manifest manifest = Manifest::load(manifest_path_);
    manifest.add(std::move(candidate));
    manifest.save(manifest_path_);
    return std::nullopt;
  }

  // Every regular file under OUT_DIR. Text with project paths is normalised; a binary file that
  // embeds one cannot be moved to another project, so the run is not stored.
  std::optional<std::string> collect_out_dir(Entry& entry) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(out_dir_, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_symlink(ec)) return "out_dir_symlink";
      if (!it->is_regular_file(ec)) continue;
      std::string path = it->path().string();
      std::string data = read_file(path);
      std::string normalised = normaliser_.normalise(data);
      bool binary = data.find('\0') != std::string::npos;
      if (binary && normalised != data) return "embedded_path";
      auto st = stat_file(path);
      entry.blobs.push_back({path.substr(out_dir_.size() + 1), st ? (st->mode & 07777) : 0644u,
                             normalised != data, normalised != data ? normalised : std::move(data), ""});
    }
    if (ec) throw std::runtime_error("cannot list " + out_dir_ + ": " + ec.message());
    return std::nullopt;
  }

  const Config& config_;
  std::string real_;
  std::vector<std::string> args_;
  LocalStore store_;
  Stats stats_;
  StatCache digests_;
  std::string out_dir_;
  std::string manifest_dir_;
  std::string package_;
  PathNormaliser normaliser_;
  std::string input_key_;
  std::string manifest_path_;
  Clock::time_point start_ = Clock::now();
};

[[noreturn]] void exec_script(const std::string& real, const std::vector<std::string>& args) {
  exec_program(real, args);
  warn("cannot run build script {}", real);
  std::exit(127);
}

}  // namespace

int run_build_script(const std::string& real, const std::vector<std::string>& args) {
  Config config;
  try {
    config = Config::load_from_environment();
  } catch (const std::exception& e) {
    warn("configuration error, caching disabled: {}", e.what());
    exec_script(real, args);
  }
  if (config.disable) exec_script(real, args);

  std::optional<ScriptRun> run;
  try {
    run.emplace(config, real, args);
    run->prepare();
    if (run->try_replay()) return 0;
  } catch (const std::exception& e) {
    warn("cache unavailable for a build script, running it uncached: {}", e.what());
    if (run) run->count_error("lookup");
    exec_script(real, args);
  }
  return run->run_and_store();
}

}  // namespace cratecache
