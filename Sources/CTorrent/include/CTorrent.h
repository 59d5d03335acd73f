#ifndef ZENFS_CTORRENT_H
#define ZENFS_CTORRENT_H

#include <stddef.h>
#include <stdint.h>

#include "CTorrentSeeder.h"
#include "CTorrentDownloader.h"

#ifdef __cplusplus
extern "C" {
#endif

/// What libtorrent reads from a metainfo file.
typedef struct {
    uint8_t info_hash_v1[20];
    int64_t total_size;
    int32_t piece_length;
    int32_t piece_count;
    int32_t file_count;
} CTorrent_MetainfoSummary;

/// The libtorrent version this shim was built against, e.g. "2.0.8.0".
const char *CTorrent_version(void);

/// Parses a bencoded metainfo with libtorrent. Returns 0 and fills `summary` on success; otherwise returns -1 and
/// writes libtorrent's message (NUL-terminated, truncated to `error_capacity`) into `error`.
int CTorrent_summarize(const uint8_t *bytes, size_t length, CTorrent_MetainfoSummary *summary, char *error,
                       size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
