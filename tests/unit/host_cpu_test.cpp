#include "key/host_cpu.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cratecache {
namespace {

constexpr const char* kXeon =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\n"
    "model name\t: Intel(R) Xeon(R) Processor\nstepping\t: 2\ncpu MHz\t\t: 2100.000\n"
    "flags\t\t: fpu sse sse2 avx avx2 avx512f\nbogomips\t: 4200.00\n\n"
    "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\n"
    "cpu MHz\t\t: 2100.000\nflags\t\t: fpu sse sse2 avx avx2 avx512f\n\n";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

TEST(HostCpu, FlagsThatAskForTheHostCpu) {
  EXPECT_TRUE(names_host_cpu("target-cpu=native"));
  EXPECT_TRUE(names_host_cpu("tune-cpu=native"));
  EXPECT_TRUE(names_host_cpu("-O2 -march=native -g"));
  EXPECT_TRUE(names_host_cpu("-C\x1ftarget-cpu=native"));  // CARGO_ENCODED_RUSTFLAGS
  EXPECT_FALSE(names_host_cpu("target-cpu=skylake"));
  EXPECT_FALSE(names_host_cpu("-O2 -march=x86-64-v3"));
  EXPECT_FALSE(names_host_cpu(""));
}

TEST(HostCpu, FingerprintIsTheModelAndFeatures) {
  const std::string base = cpu_fingerprint(kXeon);
  EXPECT_EQ(base, cpu_fingerprint(replaced(replaced(kXeon, "2100.000", "3400.123"), "4200.00", "6800.24")))
      << "clock speed varies between identical machines";
  EXPECT_EQ(base, cpu_fingerprint(replaced(kXeon, "stepping\t: 2", "stepping\t: 4")));
  EXPECT_NE(base, cpu_fingerprint(replaced(kXeon, " avx512f", ""))) << "a missing feature";
  EXPECT_NE(base, cpu_fingerprint(replaced(kXeon, "207", "143"))) << "another model";
  EXPECT_NE(base, cpu_fingerprint(replaced(kXeon, "GenuineIntel", "AuthenticAMD")));
}

TEST(HostCpu, ArmFieldsCount) {
  const std::string arm =
      "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd aes sha2 atomics\nCPU implementer\t: 0x41\n"
      "CPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n";
  EXPECT_NE(cpu_fingerprint(arm), cpu_fingerprint(replaced(arm, "0xd0c", "0xd40")));
  EXPECT_NE(cpu_fingerprint(arm), cpu_fingerprint(replaced(arm, " atomics", "")));
}

TEST(HostCpu, UnknownCpuIsAnError) {
  EXPECT_THROW(cpu_fingerprint(""), std::runtime_error);
  EXPECT_THROW(cpu_fingerprint("processor\t: 0\nBogoMIPS\t: 50.00\n"), std::runtime_error);
}

TEST(HostCpu, ThisMachineHasOne) { EXPECT_EQ(64u, host_cpu_fingerprint().size()); }

}  // namespace
}  // namespace cratecache
