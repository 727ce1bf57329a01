// The floor of Cargo's own work for a never-seen project (bench.sh, "cargo floor"): a RUSTC_WRAPPER
// that compiles nothing. Each unit's outputs are hard-linked from a finished build's target dir
// (NULL_WRAPPER_FROM, mirrored at NULL_WRAPPER_TO), so a build through it costs Cargo's scheduling,
// fingerprints and one small process per unit. The package NULL_WRAPPER_MEMBER, and rustc's probes,
// run rustc.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* from = getenv("NULL_WRAPPER_FROM");  // the finished target dir
  const char* to = getenv("NULL_WRAPPER_TO");      // this build's target dir
  const char* member = getenv("NULL_WRAPPER_MEMBER");
  const char *crate = NULL, *out_dir = NULL, *extra = "";
  for (int i = 1; i + 1 < argc; ++i) {
    if (!strcmp(argv[i], "--crate-name")) crate = argv[i + 1];
    if (!strcmp(argv[i], "--out-dir")) out_dir = argv[i + 1];
    if (!strcmp(argv[i], "-C") && !strncmp(argv[i + 1], "extra-filename=", 15)) extra = argv[i + 1] + 15;
  }
  if (!crate || !out_dir || !from || !to || (member && !strcmp(crate, member)) ||
      strncmp(out_dir, to, strlen(to)) != 0) {
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
  }
  char src_dir[4096], name[512], src[8192], dst[8192];
  snprintf(src_dir, sizeof src_dir, "%s%s", from, out_dir + strlen(to));
  snprintf(name, sizeof name, "%s%s", crate, extra);
  DIR* d = opendir(src_dir);
  if (!d) return 1;
  for (struct dirent* e; (e = readdir(d));) {
    if (!strstr(e->d_name, name)) continue;
    snprintf(src, sizeof src, "%s/%s", src_dir, e->d_name);
    snprintf(dst, sizeof dst, "%s/%s", out_dir, e->d_name);
    unlink(dst);
    if (link(src, dst) != 0) return 1;
  }
  closedir(d);
  return 0;
}
