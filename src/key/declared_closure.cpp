#include "key/declared_closure.h"

#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "key/content_digest.h"
#include "key/directives.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/log.h"

namespace cratecache {
namespace {

constexpr std::string_view kHeader = "cratecache-closure-v1 ";
constexpr std::string_view kUnreadable = "unreadable";

// What the package's build script printed in this build: Cargo keeps its stdout beside OUT_DIR
// (<pkg>-<hash>/output; in the new build-dir layout <hash>/run/stdout).
std::optional<std::string> run_record(const std::string& out_dir) {
  std::string run_dir = dirname_of(out_dir);
  if (auto text = try_read_file(run_dir + "/output")) return text;
  return try_read_file(run_dir + "/run/stdout");
}

std::string input_digest(const std::string& path, StatCache& digests) {
  auto st = stat_file(path);
  if (!st) return kAbsent;
  if (!S_ISDIR(st->mode)) return digests.digest(path);
  return content_digest(path, [&digests](const std::string& p) { return digests.digest(p); });
}

// The package's own run: the variables it declared with their values now, and the files it
// declared with their contents now (relative paths are the package's, as for Cargo).
bool hash_own_run(const ClosureContext& ctx, Sha256& h) {
  const char* out_dir = ctx.env("OUT_DIR");
  if (!out_dir || !*out_dir) return false;
  auto record = run_record(out_dir);
  if (!record) return false;
  RerunDirectives declared = parse_rerun_directives(*record);
  const char* manifest_dir = ctx.env("CARGO_MANIFEST_DIR");
  std::string package = manifest_dir ? manifest_dir : ctx.cwd;
  for (const auto& name : declared.env_vars) {
    const char* value = ctx.env(name.c_str());
    h.field("env");
    h.field(name);
    h.field(value ? "set:" + ctx.normaliser.normalise(value) : "unset");
  }
  for (const auto& p : declared.changed_paths) {
    std::string path = p[0] == '/' ? p : package + "/" + p;
    h.field("file");
    h.field(ctx.normaliser.normalise(path));
    h.field(input_digest(path, ctx.digests));
  }
  return declared.any();
}

// Hashes the closures of the externs `wanted` picks (by path); false when none has one.
bool hash_externs(const RustcArgs& args, const std::string& cwd, Sha256& h,
                  bool (*wanted)(const std::string& path) = nullptr) {
  bool any = false;
  for (const auto& e : args.externs) {
    if (e.path.empty() || (wanted && !wanted(e.path))) continue;
    std::string closure = read_closure(extern_closure_sidecar(e.path[0] == '/' ? e.path : cwd + "/" + e.path));
    if (closure.empty()) continue;
    h.field("extern");
    h.field(e.name);
    h.field(closure);
    any = true;
  }
  return any;
}

// "" when the closure holds no declared input.
std::string compute_closure(const ClosureContext& ctx) {
  Sha256 h;
  h.field(kHeader);
  bool own = hash_own_run(ctx, h);
  bool externs = hash_externs(ctx.args, ctx.cwd, h);
  return own || externs ? h.hex_final() : "";
}

bool is_hex_digest(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void write_sidecar(const std::string& path, const std::string& value) {
  std::string text = std::string(kHeader) + value + "\n";
  // Unchanged on most invocations: a read is cheaper than a write and a rename.
  if (try_read_file(path) != text) write_file_atomic(path, text);
}

}  // namespace

std::string closure_sidecar(const std::string& dir, const std::string& stem) { return dir + "/" + stem + kClosureSuffix; }

std::string extern_closure_sidecar(const std::string& extern_path) {
  std::string name = basename_of(extern_path);
  if (name.starts_with("lib")) name.erase(0, 3);
  auto dot = name.rfind('.');
  if (dot != std::string::npos) name.erase(dot);
  return closure_sidecar(dirname_of(extern_path), name);
}

std::string read_closure(const std::string& sidecar) {
  auto text = try_read_file(sidecar);
  if (!text) return "";
  std::string_view v(*text);
  if (v.starts_with(kHeader) && v.ends_with("\n")) {
    v = v.substr(kHeader.size(), v.size() - kHeader.size() - 1);
    if (is_hex_digest(v)) return std::string(v);
    if (v == kUnreadable) throw std::runtime_error("a declared input in the closure of " + sidecar + " is unreadable");
  }
  throw std::runtime_error("damaged " + sidecar);
}

std::string proc_macro_closure(const RustcArgs& args, const std::string& cwd) {
  Sha256 h;
  h.field(kHeader);
  bool any = hash_externs(args, cwd, h, [](const std::string& path) { return path.ends_with(".so"); });
  return any ? h.hex_final() : "";
}

void record_closure(const ClosureContext& ctx) {
  if (ctx.args.out_dir.empty() || ctx.args.crate_name.empty()) return;
  std::string out_dir = ctx.args.out_dir[0] == '/' ? ctx.args.out_dir : ctx.cwd + "/" + ctx.args.out_dir;
  std::string sidecar = closure_sidecar(out_dir, ctx.args.crate_name + ctx.args.extra_filename);
  std::string closure;
  try {
    closure = compute_closure(ctx);
  } catch (const std::exception& e) {
    warn("declared inputs of {}: {}", ctx.args.crate_name, e.what());
    closure = kUnreadable;
  }
  try {
    if (closure.empty()) {
      ::unlink(sidecar.c_str());
    } else {
      write_sidecar(sidecar, closure);
    }
  } catch (const std::exception& e) {
    warn("cannot record the declared inputs of {}: {}", ctx.args.crate_name, e.what());
  }
}

}  // namespace cratecache
