#include "key/unit_key.h"

#include <algorithm>
#include <stdexcept>

#include "key/key_inputs.h"
#include "util/fs.h"
#include "util/process.h"

namespace cratecache {
namespace {

constexpr const char* kKeyVersion = "cratecache-key-v1";

// Options that only change how diagnostics are drawn, never an artifact.
bool is_presentation_only(const RustcOption& o) { return o.flag == "--diagnostic-width" || o.flag == "--color"; }

// "static:+whole-archive=foo:bar" -> "foo"
std::string native_lib_name(const std::string& spec) {
  std::string name = spec.substr(spec.find('=') == std::string::npos ? 0 : spec.find('=') + 1);
  return name.substr(0, name.find(':'));
}

void hash_native_libs(const KeyContext& ctx, KeyHasher& h) {
  for (const auto& spec : ctx.args.native_libs) {
    std::string name = native_lib_name(spec);
    std::string found;
    for (const auto& lp : ctx.args.lib_paths) {
      if (lp.kind != "native" && lp.kind != "all") continue;
      std::string dir = lp.path[0] == '/' ? lp.path : ctx.cwd + "/" + lp.path;
      for (const char* ext : {".a", ".so"}) {
        std::string candidate = dir + "/lib" + name + ext;
        if (stat_file(candidate)) {
          found = candidate;
          break;
        }
      }
      if (!found.empty()) break;
    }
    h.field("native-lib");
    h.field(spec);
    // A system library (not in any -L dir) is resolved by the linker; its name is the input.
    h.input("native lib", spec, found.empty() ? "system" : ctx.digests.digest(found));
  }
}

// A custom target is a JSON spec, named by path or found by name in RUST_TARGET_PATH: its content
// decides the code, and the same name can mean another spec in another project. A built-in target
// is covered by the toolchain identity.
void hash_target_spec(const KeyContext& ctx, KeyHasher& h) {
  for (const auto& o : ctx.args.options) {
    if (o.flag != "--target" || o.value.empty()) continue;
    std::string spec;
    if (o.value.ends_with(".json")) {
      spec = o.value[0] == '/' ? o.value : ctx.cwd + "/" + o.value;
    } else if (const char* dirs = ctx.env("RUST_TARGET_PATH")) {
      for (std::string_view rest(dirs); spec.empty() && !rest.empty();) {
        auto colon = rest.find(':');
        std::string candidate = std::string(rest.substr(0, colon)) + "/" + o.value + ".json";
        if (stat_file(candidate)) spec = candidate;
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
      }
    }
    if (spec.empty()) continue;
    h.field("target-spec");
    h.input("target spec", o.value, ctx.digests.digest(spec));
  }
}

void hash_linker(const KeyContext& ctx, KeyHasher& h) {
  std::string linker = ctx.args.linker.empty() ? "cc" : ctx.args.linker;
  auto path = find_in_path(linker[0] == '/' || linker.find('/') == std::string::npos ? linker
                                                                                     : ctx.cwd + "/" + linker);
  h.field("linker");
  h.field(linker);
  if (!path) {
    h.input("linker", linker, "missing");
    return;
  }
  char resolved[4096];
  h.input("linker", linker, ctx.digests.digest(::realpath(path->c_str(), resolved) ? resolved : *path));
}

}  // namespace

bool is_keyed_env_var(const std::string& name, bool links) {
  static const char* const kExact[] = {
      "CARGO_MANIFEST_DIR",      "CARGO_MANIFEST_PATH", "CARGO_MANIFEST_LINKS", "CARGO_CRATE_NAME",
      "CARGO_BIN_NAME",          "CARGO_PRIMARY_PACKAGE", "CARGO_RUSTC_CURRENT_DIR", "CARGO_TARGET_TMPDIR",
      "OUT_DIR",                 "RUSTC_BOOTSTRAP",     "SOURCE_DATE_EPOCH",    "RUSTC_FORCE_RUSTC_VERSION",
  };
  if (name.rfind("CARGO_PKG_", 0) == 0) return true;
  for (const char* e : kExact) {
    if (name == e) return true;
  }
  return links && name == "LIBRARY_PATH";
}

std::string compute_input_key(const KeyContext& ctx, KeyInputs* record) {
  const RustcArgs& args = ctx.args;
  KeyHasher h(record);
  h.field(kKeyVersion);
  h.input("toolchain", "", ctx.toolchain.identity);
  h.input("working dir", "", ctx.normaliser.normalise(ctx.cwd));
  h.input("source", "", ctx.normaliser.normalise(args.input));

  for (const auto& o : args.options) {
    if (is_presentation_only(o)) continue;
    h.field(o.flag);
    if (o.flag == "--extern") {
      // The crate it names is an input by content; where it lies is not.
      Extern e = parse_extern(o.value);
      if (e.path.empty()) {
        h.input("--extern", "", e.name);
        continue;
      }
      h.field(e.name);
      h.input("--extern", e.name, ctx.digests.digest(e.path[0] == '/' ? e.path : ctx.cwd + "/" + e.path));
    } else {
      h.input(o.flag, "", ctx.normaliser.normalise(o.value));
    }
  }

  // Split debug info is found through the absolute paths of the .dwo files, which every object
  // records (DW_AT_GNU_dwo_name, also in an rlib): such a unit is the same only in the same out-dir.
  if (args.splits_debuginfo()) {
    h.field("split-debuginfo-out-dir");
    h.field(args.out_dir[0] == '/' ? args.out_dir : ctx.cwd + "/" + args.out_dir);
  }

  if (std::any_of(args.options.begin(), args.options.end(), [](const RustcOption& o) {
        return (o.flag == "-C" || o.flag == "-Z") && names_host_cpu(o.value);
      })) {
    h.field("host-cpu");
    h.input("host cpu", "", ctx.host_cpu());
  }

  std::vector<std::string> names;
  for (const auto& name : ctx.env_names) {
    if (is_keyed_env_var(name, args.links())) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const char* value = ctx.env(name.c_str());
    h.field("env");
    h.field(name);
    h.input("env", name, ctx.normaliser.normalise(value ? value : ""));
  }

  hash_target_spec(ctx, h);
  hash_native_libs(ctx, h);
  if (args.links()) hash_linker(ctx, h);
  // Absent when empty, so that units without such proc-macros keep their keys.
  if (!ctx.proc_macro_closure.empty()) {
    h.field("proc-macro-closure");
    h.input("proc-macro closure", "", ctx.proc_macro_closure);
  }
  return h.hex_final();
}

std::string compute_result_key(const std::string& input_key, const std::vector<SourceDigest>& sources,
                               const std::vector<EnvDep>& env) {
  Sha256 h;
  h.field(input_key);
  for (const auto& s : sources) {
    h.field(s.path);
    h.field(s.digest);
  }
  for (const auto& e : env) {
    h.field(e.name);
    h.field(e.value ? "set:" + *e.value : "unset");
  }
  return h.hex_final();
}

}  // namespace cratecache
