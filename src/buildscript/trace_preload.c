// libcratecache-trace.so: preloaded (LD_PRELOAD) into a build-script run that misses, and so into
// the programs it starts (the C compiler, pkg-config, rustc probes). It appends one line per event
// to the file named by CRATECACHE_TRACE, so cratecache can key the run on what it read, looked for
// and ran without declaring it (input_trace.h):
//   r <path>  opened for reading          w <path>  opened for writing
//   a <path>  looked for and not there (open, stat or access failing with ENOENT or ENOTDIR:
//             a header not in an earlier include dir, a .pc file not in an earlier search dir)
//   x <path>  program started (exec*, posix_spawn*), after the PATH lookup, whose misses are "a"
//   p /<name> a program name looked up on PATH (the name may find another program on another PATH)
// Plain C and libc only: it is loaded into every process of the run. Calls made inside libc itself
// (the dynamic loader, locale files, the PATH search of system()) are not seen, nor are statically
// linked programs: tracing finds what it can, it does not prove completeness.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
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

static __thread int in_hook;  // the hooks' own calls (dlsym, the trace file, PATH lookups) are not recorded
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

// Appends "<kind> <absolute path>\n" in one write (O_APPEND: lines of concurrent processes do not
// mix). Keeps errno: the hooked call's caller reads it.
static void record(int dirfd, const char* path, char kind) {
  if (!path || !*path) return;
  int saved_errno = errno;
  int fd = open_trace();
  char line[2 * PATH_MAX + 8];
  size_t n = 0;
  line[n++] = kind;
  line[n++] = ' ';
  if (fd >= 0 && path[0] != '/') {
    char base[PATH_MAX];
    ssize_t len = -1;
    if (dirfd == AT_FDCWD) {
      if (getcwd(base, sizeof base)) len = (ssize_t)strlen(base);
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      len = readlink(link, base, sizeof base - 1);
    }
    if (len <= 0) fd = -1;
    if (fd >= 0) {
      memcpy(line + n, base, (size_t)len);
      n += (size_t)len;
      line[n++] = '/';
    }
  }
  size_t len = strlen(path);
  if (fd >= 0 && n + len + 1 <= sizeof line) {
    memcpy(line + n, path, len);
    n += len;
    line[n++] = '\n';
    ssize_t ignored = write(fd, line, n);
    (void)ignored;
  }
  errno = saved_errno;
}

// Only "not there" is an absence a later file can end; EACCES, ELOOP and the like are not recorded.
static int not_there(int err) { return err == ENOENT || err == ENOTDIR; }

static int writes(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)); }

static void after_open(int result, int dirfd, const char* path, int flags) {
  if (result < 0) {
    if (!writes(flags) && not_there(errno)) record(dirfd, path, 'a');
    return;
  }
  if (!(flags & O_DIRECTORY)) record(dirfd, path, writes(flags) ? 'w' : 'r');
}

#define REAL(name, type)                    \
  static type real_##name;                  \
  if (!real_##name) {                       \
    void* sym = next_symbol(#name);         \
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
    REAL(name, open_fn)                                         \
    if (!real_##name) return -1;                                \
    int fd = real_##name(path, flags, mode);                    \
    if (!in_hook++) after_open(fd, AT_FDCWD, path, flags);      \
    in_hook--;                                                  \
    return fd;                                                  \
  }

#define OPENAT_HOOK(name)                                       \
  int name(int dirfd, const char* path, int flags, ...) {       \
    MODE_ARG(flags, mode)                                       \
    REAL(name, openat_fn)                                       \
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
    REAL(name, open2_fn)                                        \
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

#define FOPEN_HOOK(name)                                                       \
  FILE* name(const char* path, const char* mode) {                             \
    REAL(name, fopen_fn)                                                       \
    if (!real_##name) return NULL;                                             \
    FILE* f = real_##name(path, mode);                                         \
    if (!in_hook++) after_open(f ? 0 : -1, AT_FDCWD, path, fopen_flags(mode)); \
    in_hook--;                                                                 \
    return f;                                                                  \
  }

FOPEN_HOOK(fopen)
FOPEN_HOOK(fopen64)

// Existence checks: gcc's driver looks for its programs with access(), cc1 drops include dirs
// that stat() says are missing, pkgconf lstat()s its search dirs, bash stat()s PATH candidates,
// Rust's Path::exists() calls statx(). A failure says the path is not there (yet).
#define PROBE_HOOK(name, params, args, dirfd, path)             \
  int name params {                                             \
    typedef int (*name##_fn) params;                            \
    REAL(name, name##_fn)                                       \
    if (!real_##name) {                                         \
      errno = ENOSYS;                                           \
      return -1;                                                \
    }                                                           \
    int result = real_##name args;                              \
    if (result != 0 && !in_hook && not_there(errno)) {          \
      in_hook++;                                                \
      record(dirfd, path, 'a');                                 \
      in_hook--;                                                \
    }                                                           \
    return result;                                              \
  }

PROBE_HOOK(stat, (const char* p, struct stat* b), (p, b), AT_FDCWD, p)
PROBE_HOOK(stat64, (const char* p, struct stat64* b), (p, b), AT_FDCWD, p)
PROBE_HOOK(lstat, (const char* p, struct stat* b), (p, b), AT_FDCWD, p)
PROBE_HOOK(lstat64, (const char* p, struct stat64* b), (p, b), AT_FDCWD, p)
PROBE_HOOK(fstatat, (int d, const char* p, struct stat* b, int f), (d, p, b, f), d, p)
PROBE_HOOK(fstatat64, (int d, const char* p, struct stat64* b, int f), (d, p, b, f), d, p)
PROBE_HOOK(statx, (int d, const char* p, int f, unsigned m, struct statx* b), (d, p, f, m, b), d, p)
// Programs built against glibc before 2.33 call the versioned entry points.
PROBE_HOOK(__xstat, (int v, const char* p, struct stat* b), (v, p, b), AT_FDCWD, p)
PROBE_HOOK(__xstat64, (int v, const char* p, struct stat64* b), (v, p, b), AT_FDCWD, p)
PROBE_HOOK(__lxstat, (int v, const char* p, struct stat* b), (v, p, b), AT_FDCWD, p)
PROBE_HOOK(__lxstat64, (int v, const char* p, struct stat64* b), (v, p, b), AT_FDCWD, p)
PROBE_HOOK(__fxstatat, (int v, int d, const char* p, struct stat* b, int f), (v, d, p, b, f), d, p)
PROBE_HOOK(__fxstatat64, (int v, int d, const char* p, struct stat64* b, int f), (v, d, p, b, f), d, p)
PROBE_HOOK(access, (const char* p, int m), (p, m), AT_FDCWD, p)
PROBE_HOOK(eaccess, (const char* p, int m), (p, m), AT_FDCWD, p)
PROBE_HOOK(euidaccess, (const char* p, int m), (p, m), AT_FDCWD, p)
PROBE_HOOK(faccessat, (int d, const char* p, int m, int f), (d, p, m, f), d, p)

// Programs started. A name without a slash is looked up on PATH as execvp and posix_spawnp do
// (glibc's search is internal, so it is repeated here): the candidates before the hit are "a", so a
// program of the same name that appears earlier on PATH changes the key. The kernel's `#!`
// interpreter is found by cratecache from the script itself.
static void record_program(const char* file) {
  if (!file || !*file || in_hook) return;
  int saved_errno = errno;
  in_hook++;
  if (strchr(file, '/')) {
    record(AT_FDCWD, file, 'x');
  } else {
    size_t file_len = strlen(file);
    char looked_up[PATH_MAX];
    if (file_len + 2 <= sizeof looked_up) {
      looked_up[0] = '/';
      memcpy(looked_up + 1, file, file_len + 1);
      record(AT_FDCWD, looked_up, 'p');
    }
    const char* search = getenv("PATH");
    if (!search) search = "/bin:/usr/bin";  // glibc's default
    for (const char* dir = search;; ++dir) {
      const char* end = strchrnul(dir, ':');
      size_t dir_len = (size_t)(end - dir);
      char candidate[PATH_MAX];
      if (dir_len + file_len + 2 <= sizeof candidate) {
        // An empty entry is the working directory.
        memcpy(candidate, dir_len ? dir : ".", dir_len ? dir_len : 1);
        size_t n = dir_len ? dir_len : 1;
        candidate[n++] = '/';
        memcpy(candidate + n, file, file_len + 1);
        struct stat st;
        if (stat(candidate, &st) != 0) {
          if (not_there(errno)) record(AT_FDCWD, candidate, 'a');
        } else if (S_ISREG(st.st_mode) && access(candidate, X_OK) == 0) {
          record(AT_FDCWD, candidate, 'x');
          break;
        }
      }
      if (!*end) break;
      dir = end;
    }
  }
  in_hook--;
  errno = saved_errno;
}

typedef int (*execve_fn)(const char*, char* const[], char* const[]);
typedef int (*execv_fn)(const char*, char* const[]);
typedef int (*spawn_fn)(pid_t*, const char*, const posix_spawn_file_actions_t*, const posix_spawnattr_t*,
                        char* const[], char* const[]);

#define EXEC_HOOK(name, type, params, args, file)               \
  int name params {                                             \
    REAL(name, type)                                            \
    if (!real_##name) {                                         \
      errno = ENOSYS;                                           \
      return -1;                                                \
    }                                                           \
    record_program(file);                                       \
    return real_##name args;                                    \
  }

EXEC_HOOK(execve, execve_fn, (const char* f, char* const a[], char* const e[]), (f, a, e), f)
EXEC_HOOK(execv, execv_fn, (const char* f, char* const a[]), (f, a), f)
EXEC_HOOK(execvp, execv_fn, (const char* f, char* const a[]), (f, a), f)
EXEC_HOOK(execvpe, execve_fn, (const char* f, char* const a[], char* const e[]), (f, a, e), f)
EXEC_HOOK(posix_spawn, spawn_fn,
          (pid_t * p, const char* f, const posix_spawn_file_actions_t* fa, const posix_spawnattr_t* at,
           char* const a[], char* const e[]),
          (p, f, fa, at, a, e), f)
EXEC_HOOK(posix_spawnp, spawn_fn,
          (pid_t * p, const char* f, const posix_spawn_file_actions_t* fa, const posix_spawnattr_t* at,
           char* const a[], char* const e[]),
          (p, f, fa, at, a, e), f)

// execl, execle and execlp take their arguments as a list: gathered into an array for the v forms
// above (libc's own list forms call its internal execve, which no hook sees).
#define MAX_LIST_ARGS 4096
#define GATHER_ARGS(first, argv, ap)                          \
  char* argv[MAX_LIST_ARGS + 1];                              \
  size_t argc = 0;                                            \
  va_list ap;                                                 \
  va_start(ap, first);                                        \
  char* a = (char*)(first);                                   \
  for (; a && argc < MAX_LIST_ARGS; a = va_arg(ap, char*)) argv[argc++] = a; \
  argv[argc] = NULL;                                          \
  if (a) {                                                    \
    va_end(ap);                                               \
    errno = E2BIG;                                            \
    return -1;                                                \
  }

int execl(const char* path, const char* arg, ...) {
  GATHER_ARGS(arg, argv, ap)
  va_end(ap);
  return execv(path, argv);
}

int execlp(const char* file, const char* arg, ...) {
  GATHER_ARGS(arg, argv, ap)
  va_end(ap);
  return execvp(file, argv);
}

int execle(const char* path, const char* arg, ...) {
  GATHER_ARGS(arg, argv, ap)
  char* const* envp = va_arg(ap, char* const*);
  va_end(ap);
  return execve(path, argv, envp);
}
