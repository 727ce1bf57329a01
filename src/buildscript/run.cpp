#include "buildscript/run.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "buildscript/input_trace.h"
#include "buildscript/launcher.h"
#include "buildscript/package_checksum.h"
#include "buildscript/run_key.h"
#include "config/config.h"
#include "key/content_digest.h"
#include "key/declared_closure.h"
#include "key/directives.h"
#include "key/project_roots.h"
#include "key/toolchain.h"
#include "key/unit_key.h"
#include "store/cached_job.h"
#include "store/deferred_blob.h"
#include "store/materialise.h"
#include "util/env.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/process.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

// A served build-script binary may still be inside its store entry, linked beside the launcher
// (deferred_blob.h): <binary>.cratecache-entry next to <binary>.cratecache-real.
std::string binary_of(const std::string& real) {
  return real.ends_with(kRealScriptSuffix) ? real.substr(0, real.size() - std::strlen(kRealScriptSuffix)) : real;
}

std::string deferred_entry_of(const std::string& real) { return binary_of(real) + kDeferredEntrySuffix; }

// Extracts the real binary when it is about to run and is still in its entry.
void ensure_real_binary(const std::string& real) {
  if (stat_file(real)) return;
  std::string entry = deferred_entry_of(real);
  extract_blob(read_file(entry), basename_of(binary_of(real)), real);
  ::unlink(entry.c_str());
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The roots of the build the script runs in, plus OUT_DIR itself.
PathNormaliser normaliser_for(const std::string& script, const std::string& out_dir, const std::string& manifest_dir) {
  PathNormaliser n = make_normaliser(find_script_run_roots(absolute_path(script), out_dir, manifest_dir, getenv_fn));
  n.add_root(out_dir, "OUT_DIR");
  return n;
}

class ScriptRun : public CachedJob {
 public:
  ScriptRun(const Config& config, std::string real, std::vector<std::string> args)
      : CachedJob(config, env_or_empty("CARGO_PKG_NAME"), "build-script-run", env_or_empty("OUT_DIR"),
                  normaliser_for(real, env_or_empty("OUT_DIR"), env_or_empty("CARGO_MANIFEST_DIR"))),
        real_(std::move(real)),
        args_(std::move(args)),
        out_dir_(env_or_empty("OUT_DIR")),
        manifest_dir_(env_or_empty("CARGO_MANIFEST_DIR")),
        package_(env_or_empty("CARGO_PKG_NAME")) {
    if (out_dir_.empty() || manifest_dir_.empty()) throw std::runtime_error("not run by Cargo (no OUT_DIR)");
  }

  void prepare() {
    std::string rustc = env_or_empty("RUSTC");
    Toolchain toolchain;
    if (!rustc.empty()) toolchain = identify_toolchain(rustc, config().dir);
    rustc_identity_ = rustc.empty() ? "none" : toolchain.identity;
    sysroot_ = toolchain.sysroot;
    set_keys(compute_run_key(key_context()), rustc.empty() ? "none" : toolchain.short_id());
  }

  int run_and_store() {
    ensure_real_binary(real_);
    if (!config().store_read_only()) trace_ = InputTrace::start(dirname_of(own_executable_path()));
    return CachedJob::run_and_store(real_, args_, "script_failed", [this](const TeeResult& run, uint64_t run_ms) {
      return store_result(run, run_ms);
    });
  }

 private:
  RunKeyContext key_context() {
    std::string binary = binary_of(real_);
    return RunKeyContext{script_digest(), rustc_identity_, manifest_dir_, normaliser(), getenv_fn,
                         environment_names(), digests(),
                         read_closure(closure_sidecar(dirname_of(binary), basename_of(binary)))};
  }

  KeyInputs key_inputs() override {
    KeyInputs inputs;
    compute_run_key(key_context(), &inputs);
    return inputs;
  }

  std::string script_digest() {
    if (stat_file(real_)) return digests().digest(real_);
    return deferred_blob_digest(deferred_entry_of(real_), basename_of(binary_of(real_)));
  }

  // Returns a reason when the run must not be stored.
  std::optional<std::string> store_result(const TeeResult& run, uint64_t run_ms) {
    RerunDirectives directives = parse_rerun_directives(run.out);
    // Files Cargo verifies against the checksum file before the run are keyed by the run key.
    std::optional<PackageChecksum> checksum = proven_package_checksum(manifest_dir_);

    std::set<std::string> files;
    for (const auto& p : directives.changed_paths) files.insert(p[0] == '/' ? p : manifest_dir_ + "/" + p);
    std::set<std::string> env_vars(directives.env_vars.begin(), directives.env_vars.end());
    TracedInputs traced;
    if (trace_) {
      traced = trace_->inputs(untraced_dirs());
      if (traced.absent.size() > InputTrace::kMaxAbsent) return "trace_too_large";
      for (auto& p : traced.files) {
        if (!checksum || !lists_file(*checksum, manifest_dir_, p)) files.insert(std::move(p));
      }
      // An absent path is described as absent: it matches again while nothing is there.
      for (auto& p : traced.absent) files.insert(std::move(p));
      env_vars.insert(traced.env.begin(), traced.env.end());
    }
    ManifestCandidate candidate;
    std::vector<SourceDigest> inputs;
    for (const auto& abs : files) {
      ManifestFile f = describe_input(abs, normaliser().normalise(abs));
      inputs.push_back({f.path, f.digest});
      candidate.files.push_back(std::move(f));
    }
    for (const auto& name : traced.path_lookups) {
      ManifestFile f = describe_path_lookup(name, digests());
      inputs.push_back({f.path, f.digest});
      candidate.files.push_back(std::move(f));
    }
    // Without directives Cargo reruns the script on any change in its package: unless that is
    // proven immutable, the whole package is an input.
    if (!directives.any() && !checksum) {
      auto tree = describe_package_input(manifest_dir_, normaliser().normalise(manifest_dir_), digests());
      if (!tree) return "package_too_large";
      inputs.push_back({tree->path, tree->digest});
      candidate.files.push_back(std::move(*tree));
    }
    for (const auto& name : env_vars) {
      const char* v = std::getenv(name.c_str());
      candidate.env.push_back({name, v ? std::optional<std::string>(normaliser().normalise(v)) : std::nullopt});
    }
    candidate.result_key = compute_result_key(input_key(), inputs, candidate.env);

    Entry entry;
    entry.crate_name = package_;
    entry.unit_kind = "build-script-run";
    entry.compile_ms = run_ms;
    if (auto reason = collect_out_dir(entry)) return reason;
    entry.blobs.push_back({":stdout", 0, true, normaliser().normalise(run.out), "", ""});
    entry.blobs.push_back({":stderr", 0, true, normaliser().normalise(run.err), "", ""});
    save(std::move(candidate), entry);
    return std::nullopt;
  }

  // Where what a run reads is keyed otherwise: the rustc toolchain and rustup (by identity), and
  // what the kernel shows as files. OUT_DIR holds outputs; the store is cratecache's own state (a
  // script's rustc probe through RUSTC_WRAPPER runs cratecache, which reads it). Packages, the
  // registry's included, are not: Cargo never checks an unpacked crate against its checksum.
  std::vector<std::string> untraced_dirs() const {
    const char* rustup = std::getenv("RUSTUP_HOME");
    return {out_dir_, config().dir, sysroot_, rustup && *rustup ? rustup : home_dir() + "/.rustup",
            "/proc",  "/sys",       "/dev"};
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
      std::string normalised = normaliser().normalise(data);
      bool binary = data.find('\0') != std::string::npos;
      if (binary && normalised != data) return "embedded_path";
      auto st = stat_file(path);
      bool rewritten = normalised != data;
      entry.blobs.push_back({path.substr(out_dir_.size() + 1), st ? (st->mode & 07777) : 0644u, rewritten,
                             rewritten ? std::move(normalised) : std::move(data), "", ""});
    }
    if (ec) throw std::runtime_error("cannot list " + out_dir_ + ": " + ec.message());
    return std::nullopt;
  }

  std::string real_;
  std::vector<std::string> args_;
  std::string rustc_identity_;
  std::string sysroot_;
  std::optional<InputTrace> trace_;
  std::string out_dir_;
  std::string manifest_dir_;
  std::string package_;
};

[[noreturn]] void exec_script(const std::string& real, const std::vector<std::string>& args) {
  try {
    ensure_real_binary(real);
  } catch (const std::exception& e) {
    warn("cannot restore build script {} from the cache ({}): run cargo clean", real, e.what());
    std::exit(1);
  }
  exec_program(real, args);
  warn("cannot run build script {}", real);
  std::exit(127);
}

}  // namespace

int run_build_script(const std::string& real, const std::vector<std::string>& args) {
  std::optional<Config> loaded = Config::load_for_run();
  if (!loaded) exec_script(real, args);
  const Config& config = *loaded;
  // The script's stderr is an artifact Cargo keeps: our warnings must not change it.
  redirect_warnings(config.dir + "/warnings.log");

  std::optional<ScriptRun> run;
  try {
    run.emplace(config, real, args);
    run->prepare();
    return run->serve_or_produce([&] { return run->run_and_store(); });
  } catch (const OutputUnwritable& e) {
    warn("cannot put a build script's cached output in place, running it uncached: {}", e.what());
    run->count_not_cached("out_dir_unwritable");
    exec_script(real, args);
  } catch (const std::exception& e) {
    // Thrown before the script ran: run it uncached.
    warn("cache unavailable for a build script, running it uncached: {}", e.what());
    if (run) run->count_error("lookup");
    exec_script(real, args);
  }
}

}  // namespace cratecache
