#include "key/host_cpu.h"

#include <stdexcept>

#include "util/digest.h"
#include "util/fs.h"
#include "util/lines.h"

namespace cratecache {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// What LLVM and GCC look at when they resolve "native": the model and the feature bits. Speed,
// stepping, microcode and per-core ids vary between identical machines and are left out.
bool identifies_cpu(std::string_view name) {
  static constexpr std::string_view kFields[] = {
      "vendor_id", "cpu family", "model", "flags", "CPU implementer", "CPU architecture", "CPU variant",
      "CPU part",  "Features",   "isa",   "uarch"};
  for (auto f : kFields) {
    if (name == f) return true;
  }
  return false;
}

}  // namespace

bool names_host_cpu(std::string_view flags) {
  for (std::string_view native :
       {"target-cpu=native", "tune-cpu=native", "-march=native", "-mcpu=native", "-mtune=native"}) {
    if (flags.find(native) != std::string_view::npos) return true;
  }
  return false;
}

std::string cpu_fingerprint(std::string_view cpuinfo) {
  Sha256 h;
  h.field("cpu");
  bool found = false;
  bool done = false;
  for_each_line(cpuinfo, [&](std::string_view line) {
    if (done) return;
    if (trim(line).empty()) {
      done = found;  // the first processor's block ends at a blank line
      return;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view name = trim(line.substr(0, colon));
    if (!identifies_cpu(name)) return;
    h.field(name);
    h.field(trim(line.substr(colon + 1)));
    found = true;
  });
  if (!found) throw std::runtime_error("cannot identify the host CPU (no model or feature flags in /proc/cpuinfo)");
  return h.hex_final();
}

std::string host_cpu_fingerprint() {
  static const std::string fingerprint = cpu_fingerprint(read_file("/proc/cpuinfo"));
  return fingerprint;
}

}  // namespace cratecache
