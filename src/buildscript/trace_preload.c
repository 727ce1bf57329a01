// libcratecache-trace.so: preloaded (LD_PRELOAD) into a build-script run that misses, and so into
// the programs it starts (the C compiler, pkg-config, rustc probes). Every file successfully
// opened is appended to the file named by CRATECACHE_TRACE as "r <path>" (read only) or
// "w <path>" (opened for writing), so cratecache can key the run on the files it read without
// declaring them (input_trace.h). Plain C and libc only: it is loaded into every process of the
// run. Opens made inside libc itself (the dynamic loader, locale files) are not seen, nor are
// statically linked programs: tracing finds what it can, it does not prove completeness.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*open_fn)(const char*, int, ...);
typedef int (*openat_fn)(int, const char*, int, ...);
typedef int (*open2_fn)(const char*, int);
typedef FILE* (*fopen_fn)(const char*, const char*);

static __thread int in_hook;  // the hooks' own calls (dlsym, the trace file) are not recorded
static int trace_fd = -1;

// The next definition of `name` (libc's); ISO C has no cast from dlsym's object pointer.
static void* next_symbol(const char* name) {
  in_hook++;
  void* p = dlsym(RTLD_NEXT, name);
  in_hook--;
  return p;
}

static dev_t trace_dev;
static ino_t trace_ino;

// The trace file's descriptor. A program may close descriptors it did not open and reuse the
// number: the one remembered is used only while it is still the trace file.
static int open_trace(void) {
  int fd = __atomic_load_n(&trace_fd, __ATOMIC_ACQUIRE);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == trace_dev && st.st_ino == trace_ino) return fd;
  const char* path = getenv("CRATECACHE_TRACE");
  if (!path || !*path) return -1;
  open_fn real_open;
  void* sym = next_symbol("open");
  if (!sym) return -1;
  memcpy(&real_open, &sym, sizeof sym);
  fd = real_open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0) return -1;
  trace_dev = st.st_dev;
  trace_ino = st.st_ino;
  __atomic_store_n(&trace_fd, fd, __ATOMIC_RELEASE);
  return fd;
}

// Appends "<mode> <absolute path>\n" in one write (O_APPEND: lines of concurrent processes do not mix).
static void record(int dirfd, const char* path, int writing) {
  if (!path || !*path) return;
  int fd = open_trace();
  if (fd < 0) return;
  char line[2 * PATH_MAX + 8];
  size_t n = 0;
  line[n++] = writing ? 'w' : 'r';
  line[n++] = ' ';
  if (path[0] != '/') {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (!getcwd(base, sizeof base)) return;
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      ssize_t len = readlink(link, base, sizeof base - 1);
      if (len <= 0) return;
      base[len] = '\0';
    }
    size_t len = strlen(base);
    memcpy(line + n, base, len);
    n += len;
    line[n++] = '/';
  }
  size_t len = strlen(path);
  if (n + len + 1 > sizeof line) return;
  memcpy(line + n, path, len);
  n += len;
  line[n++] = '\n';
  ssize_t ignored = write(fd, line, n);
  (void)ignored;
}

static int writes(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)); }

static void after_open(int result, int dirfd, const char* path, int flags) {
  if (result < 0 || (flags & O_DIRECTORY)) return;
  record(dirfd, path, writes(flags));
}

#define REAL(name, type)                  \
  static type real_##name;                \
  if (!real_##name) {                     \
    void* sym = next_symbol(#name);       \
    memcpy(&real_##name, &sym, sizeof sym); \
  }

// open(2) takes a mode only with O_CREAT or O_TMPFILE.
#define MODE_ARG(flags, mode)                                   \
  mode_t mode = 0;                                              \
  if ((flags) & (O_CREAT | __O_TMPFILE)) {                      \
    va_list ap;                                                 \
    va_start(ap, flags);                                        \
    mode = (mode_t)va_arg(ap, int);                             \
    va_end(ap);                                                 \
  }

#define OPEN_HOOK(name)                                         \
  int name(const char* path, int flags, ...) {                  \
    MODE_ARG(flags, mode)                                       \
    REAL(name, open_fn)                  \
    if (!real_##name) return -1;                                \
    int fd = real_##name(path, flags, mode);                    \
    if (!in_hook++) after_open(fd, AT_FDCWD, path, flags);      \
    in_hook--;                                                  \
    return fd;                                                  \
  }

#define OPENAT_HOOK(name)                                       \
  int name(int dirfd, const char* path, int flags, ...) {       \
    MODE_ARG(flags, mode)                                       \
    REAL(name, openat_fn)             \
    if (!real_##name) return -1;                                \
    int fd = real_##name(dirfd, path, flags, mode);             \
    if (!in_hook++) after_open(fd, dirfd, path, flags);         \
    in_hook--;                                                  \
    return fd;                                                  \
  }

OPEN_HOOK(open)
OPEN_HOOK(open64)
OPENAT_HOOK(openat)
OPENAT_HOOK(openat64)

// The _FORTIFY_SOURCE entry points of open, which C programs built with it call instead.
#define OPEN2_HOOK(name)                                        \
  int name(const char* path, int flags) {                       \
    REAL(name, open2_fn)                       \
    if (!real_##name) return -1;                                \
    int fd = real_##name(path, flags);                          \
    if (!in_hook++) after_open(fd, AT_FDCWD, path, flags);      \
    in_hook--;                                                  \
    return fd;                                                  \
  }

OPEN2_HOOK(__open_2)
OPEN2_HOOK(__open64_2)

static int fopen_flags(const char* mode) {
  if (!mode) return O_RDONLY;
  if (mode[0] == 'r' && !strchr(mode, '+')) return O_RDONLY;
  return O_RDWR | O_CREAT;
}

#define FOPEN_HOOK(name)                                                    \
  FILE* name(const char* path, const char* mode) {                          \
    REAL(name, fopen_fn)                        \
    if (!real_##name) return NULL;                                          \
    FILE* f = real_##name(path, mode);                                      \
    if (!in_hook++) after_open(f ? 0 : -1, AT_FDCWD, path, fopen_flags(mode)); \
    in_hook--;                                                              \
    return f;                                                               \
  }

FOPEN_HOOK(fopen)
FOPEN_HOOK(fopen64)
