#ifndef ZENFS_CFUSE3_SHIM_H
#define ZENFS_CFUSE3_SHIM_H
#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>
#endif
