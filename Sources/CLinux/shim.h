// Linux calls that Glibc's Swift module hides behind _GNU_SOURCE.
#ifndef DATAPIPE_CLINUX_SHIM_H
#define DATAPIPE_CLINUX_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>

/// syncfs(2): flush every buffered write of the file system holding `fd`.
static inline int datapipe_syncfs(int fd) { return syncfs(fd); }

#endif
