#include "buildscript/run.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "buildscript/input_trace.h"
#include "buildscript/link_search.h"
#include "buildscript/package_checksum.h"
#include "buildscript/run_key.h"
#include "store/remote/object_signature.h"
#include "config/config.h"
#include "entry/deferred_blob.h"
#include "job/result.h"
#include "job/run_cached.h"
#include "job/script_launcher.h"
#include "key/declared_closure.h"
#include "key/directives.h"
#include "key/project_roots.h"
#include "key/toolchain.h"
#include "store/store.h"
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
  extract_blob(without_signature(read_file(entry)), basename_of(binary_of(real)), real);
  ::unlink(entry.c_str());
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The roots of the build the script runs in, plus OUT_DIR itself.
PathNormaliser normaliser_for(const ProjectRoots& roots, const std::string& out_dir) {
  PathNormaliser n = make_normaliser(roots);
  n.add_root(out_dir, "OUT_DIR");
  return n;
}

class ScriptRun : public Job {
 public:
  ScriptRun(const Store& store, StatCache& digests, std::string real, std::vector<std::string> args)
      : store_(store),
        digests_(digests),
        real_(std::move(real)),
        args_(std::move(args)),
        out_dir_(env_or_empty("OUT_DIR")),
        manifest_dir_(env_or_empty("CARGO_MANIFEST_DIR")),
        package_(env_or_empty("CARGO_PKG_NAME")) {
    if (out_dir_.empty() || manifest_dir_.empty()) throw std::runtime_error("not run by Cargo (no OUT_DIR)");
    roots_ = find_script_run_roots(absolute_path(real_), out_dir_, manifest_dir_, getenv_fn);
    normaliser_ = normaliser_for(roots_, out_dir_);
  }

  std::string name() const override { return package_; }
  std::string kind() const override { return "build-script-run"; }
  std::string out_dir() const override { return out_dir_; }
  // A run's outputs are whatever the script wrote under OUT_DIR, any name at any depth: every name
  // is one it could write. That the name stays beneath OUT_DIR (relative, no `..`, no link on the
  // way) is materialise's check, made before anything is written.
  bool expects_output(std::string_view /*relative_name*/) const override { return true; }
  const PathNormaliser& normaliser() const override { return normaliser_; }
  // Its roots, OUT_DIR, its package and the sysroot, and the entries of the PATH it runs with (a
  // program it looked for there). A file it read elsewhere (a system header) is an input only of
  // an authenticated manifest.
  InputRoots input_roots() const override {
    InputRoots roots = input_roots_of(roots_, manifest_dir_, {out_dir_, manifest_dir_, sysroot_});
    roots.add_program_dirs(env_or_empty("PATH"));
    return roots;
  }

  JobKeys keys() override {
    std::string rustc = env_or_empty("RUSTC");
    Toolchain toolchain;
    if (!rustc.empty()) toolchain = identify_toolchain(rustc, store_.layout().toolchains_dir());
    rustc_identity_ = rustc.empty() ? "none" : toolchain.identity;
    sysroot_ = toolchain.sysroot;
    return {compute_run_key(key_context()), rustc.empty() ? "none" : toolchain.short_id()};
  }

  KeyInputs key_inputs() override {
    KeyInputs inputs;
    compute_run_key(key_context(), &inputs);
    return inputs;
  }

  Command command() override {
    ensure_real_binary(real_);
    if (!store_.config().store_read_only()) trace_ = InputTrace::start(dirname_of(own_executable_path()));
    return {real_, args_};
  }

  std::string failure_reason() const override { return "script_failed"; }

  // Inputs: what the script declared, what it was seen to read or look for, and its package when it
  // declared nothing; outputs: every file under OUT_DIR.
  Collected collect(const TeeResult& run, uint64_t run_ms) override {
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
    ResultBuilder result(normaliser_, package_, kind(), run_ms);
    for (const auto& abs : files) result.add_input(describe_input(abs, normaliser_.normalise(abs)));
    for (const auto& name : traced.path_lookups) result.add_input(describe_path_lookup(name, digests_));
    // Without directives Cargo reruns the script on any change in its package: unless that is
    // proven immutable, the whole package is an input.
    if (!directives.any() && !checksum) {
      auto tree = describe_package_input(manifest_dir_, normaliser_.normalise(manifest_dir_), digests_);
      if (!tree) return "package_too_large";
      result.add_input(std::move(*tree));
    }
    for (const auto& name : env_vars) {
      const char* v = std::getenv(name.c_str());
      result.add_env(name, v ? std::optional<std::string>(v) : std::nullopt);
    }
    if (auto reason = collect_out_dir(result)) return *reason;
    return result.finish(run, "");
  }

  // The stdout a hit replays from an entry that may be anyone's (not this user's own, not signed by
  // a trusted key) may not point the linker outside the package, OUT_DIR and the system library
  // dirs (buildscript/link_search.h). An authenticated entry replays what a real run printed: a
  // library found by pkg-config under /opt or /nix is as it was.
  void after_hit(const StoredObject& entry, const Replay& replay) override {
    if (!entry.authenticated) check_replayed_link_search(replay.out, manifest_dir_, out_dir_);
  }

 private:
  RunKeyContext key_context() {
    std::string binary = binary_of(real_);
    return RunKeyContext{script_digest(), rustc_identity_, manifest_dir_, normaliser_, getenv_fn,
                         environment_names(), digests_,
                         read_closure(closure_sidecar(dirname_of(binary), basename_of(binary)))};
  }

  std::string script_digest() {
    if (stat_file(real_)) return digests_.digest(real_);
    return deferred_blob_digest(deferred_entry_of(real_), basename_of(binary_of(real_)));
  }

  // Where what a run reads is keyed otherwise: the rustc toolchain and rustup (by identity), and
  // what the kernel shows as files. OUT_DIR holds outputs; the store is cratecache's own state (a
  // script's rustc probe through RUSTC_WRAPPER runs cratecache, which reads it). Packages, the
  // registry's included, are not: Cargo never checks an unpacked crate against its checksum.
  std::vector<std::string> untraced_dirs() const {
    const char* rustup = std::getenv("RUSTUP_HOME");
    return {out_dir_, store_.layout().dir(), sysroot_, rustup && *rustup ? rustup : home_dir() + "/.rustup",
            "/proc",  "/sys",       "/dev"};
  }

  // Every regular file under OUT_DIR. Text with project paths is normalised; a binary file that
  // embeds one cannot be moved to another project, so the run is not stored.
  std::optional<std::string> collect_out_dir(ResultBuilder& result) {
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
      bool rewritten = normalised != data;
      result.add_output({path.substr(out_dir_.size() + 1), st ? (st->mode & 07777) : 0644u, rewritten,
                         rewritten ? std::move(normalised) : std::move(data), "", ""});
    }
    if (ec) throw std::runtime_error("cannot list " + out_dir_ + ": " + ec.message());
    return std::nullopt;
  }

  const Store& store_;
  StatCache& digests_;
  std::string real_;
  std::vector<std::string> args_;
  std::string out_dir_;
  std::string manifest_dir_;
  std::string package_;
  ProjectRoots roots_;
  PathNormaliser normaliser_;
  std::string rustc_identity_;
  std::string sysroot_;
  std::optional<InputTrace> trace_;
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
  redirect_warnings(StoreLayout(config.dir).warnings_log());

  Store store = Store::open(config);
  StatCache digests(store.layout().stat_dir());
  std::optional<ScriptRun> run;
  try {
    run.emplace(store, digests, real, args);
  } catch (const std::exception& e) {
    warn("cache unavailable for a build script, running it uncached: {}", e.what());
    store.stats().add("errors.lookup");
    exec_script(real, args);
  }
  if (auto exit_code = run_cached(*run, store, digests)) return *exit_code;
  exec_script(real, args);
}

}  // namespace cratecache
