// Linux calls that Glibc's Swift module hides behind _GNU_SOURCE.
#ifndef DATAPIPE_CLINUX_SHIM_H
#define DATAPIPE_CLINUX_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <unistd.h>

/// syncfs(2): flush every buffered write of the file system holding `fd`.
static inline int datapipe_syncfs(int fd) { return syncfs(fd); }

/// sync_file_range(2) with SYNC_FILE_RANGE_WRITE: start writing back a
/// range of `fd` without waiting, so a later flush finds it mostly on disk.
static inline int datapipe_start_writeback(int fd, long long offset, long long length) {
    return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
}

/// copy_file_range(2) between the current offsets of two descriptors.
static inline long long datapipe_copy_file_range(int in, int out, long long length) {
    return copy_file_range(in, 0, out, 0, (size_t)length, 0);
}

#endif
