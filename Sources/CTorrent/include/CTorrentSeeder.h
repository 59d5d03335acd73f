#ifndef ZENFS_CTORRENT_SEEDER_H
#define ZENFS_CTORRENT_SEEDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A libtorrent session that seeds straight from the element store: every piece is read from the element file
/// named by its SHA1 (`<elements>/ab/cdef…`), with no second copy of the data.
typedef struct CTorrentSeeder CTorrentSeeder;

/// Asks the node to bring the part with this SHA1 into the element store (fetching it from the network);
/// returns 0 when it is there now. Called from libtorrent's disk threads, may block.
typedef int (*CTorrentFetchPart)(void *context, const uint8_t *sha1);

/// What the seeding session has done.
typedef struct {
    int32_t torrents;
    int32_t peers;
    int64_t bytes_uploaded;
    int32_t listen_port;
} CTorrentSeederStats;

/// Starts a session listening on `listen_interfaces` (libtorrent's form, e.g. "127.0.0.1:0"), reading pieces
/// from `elements_directory`. With `dht_bootstrap_nodes` (libtorrent's form, "host:port,host:port"; "" for a
/// node others bootstrap from) the session joins the Mainline DHT (BEP 5) on its listen port and announces its
/// torrents there; NULL: no DHT. `fetch` may be NULL. Returns NULL and writes `error` on failure.
CTorrentSeeder *CTorrentSeeder_start(const char *listen_interfaces, const char *elements_directory,
                                     const char *dht_bootstrap_nodes, CTorrentFetchPart fetch, void *fetch_context,
                                     char *error, size_t error_capacity);

/// A peer's address as a DHT node gave it.
typedef struct {
    char host[64];
    uint16_t port;
} CTorrentEndpoint;

/// Announces into the DHT that this host serves `key` (20 bytes) on `port` (the announcing packet's source
/// address is what DHT nodes store). Returns 0, or -1 when the session runs no DHT.
int CTorrentSeeder_dht_announce(CTorrentSeeder *seeder, const uint8_t *key, int port);

/// Looks `key` (20 bytes) up in the DHT and waits until peers arrive or `timeout_seconds` pass; writes at most
/// `capacity` endpoints and returns how many (0: none found), or -1 when the session runs no DHT.
int CTorrentSeeder_dht_get_peers(CTorrentSeeder *seeder, const uint8_t *key, double timeout_seconds,
                                 CTorrentEndpoint *endpoints, int capacity);

/// Adds a metainfo to seed (all pieces are taken as present and verified), announcing to `tracker` when not
/// NULL. Returns 0, 1 when it was already seeded, or -1 with `error`.
int CTorrentSeeder_add(CTorrentSeeder *seeder, const uint8_t *metainfo, size_t length, const char *tracker,
                       char *error, size_t error_capacity);

void CTorrentSeeder_stats(CTorrentSeeder *seeder, CTorrentSeederStats *stats);

/// Stops the session and frees it.
void CTorrentSeeder_stop(CTorrentSeeder *seeder);

#ifdef __cplusplus
}
#endif

#endif
