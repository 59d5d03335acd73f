#ifndef ZENFS_CTORRENT_DOWNLOADER_H
#define ZENFS_CTORRENT_DOWNLOADER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Stores one downloaded piece as an element (named by the SHA1 of its bytes); returns 0 when it is durable.
typedef int (*CTorrentStorePiece)(void *context, const uint8_t *bytes, size_t length, const uint8_t *sha1);

/// Reports progress: bytes verified so far and in all (0 until the metadata is known).
typedef void (*CTorrentProgress)(void *context, int64_t done, int64_t total);

/// Downloads a torrent (a bencoded metainfo, or a magnet link when `metainfo` is NULL) from its swarm with
/// libtorrent, storing each piece through `store` as soon as libtorrent verified it; nothing else is written.
/// On success returns 0 and a malloc'd copy of the metainfo (`d4:info…e`, the info dictionary exactly as the swarm
/// sent it) in `metainfo_out`, which the caller frees. Gives up after `timeout_seconds` without progress.
int CTorrent_download(const uint8_t *metainfo, size_t length, const char *magnet, CTorrentStorePiece store,
                      CTorrentProgress progress, void *context, double timeout_seconds, uint8_t **metainfo_out,
                      size_t *metainfo_out_length, char *error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
