#ifndef ZENFS_CFUSE3_SHIM_H
#define ZENFS_CFUSE3_SHIM_H
#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

/// `fuse_session_loop_mt` is a macro choosing a versioned symbol; Swift cannot call macros.
static inline int CFuse3_session_loop_mt(struct fuse_session *session, struct fuse_loop_config *config) {
    return fuse_session_loop_mt(session, config);
}

/// A `fuse_args` with no arguments (`FUSE_ARGS_INIT` is a macro).
static inline struct fuse_args CFuse3_args(int argc, char **argv) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    return args;
}
#endif
