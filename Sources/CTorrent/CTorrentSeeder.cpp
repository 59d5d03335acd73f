// A libtorrent 2.0 disk interface over the ZenFS element store: pieces are parts, each stored whole in a file
// named by its SHA1, so reads go straight to those files (kept open) and hashes come from the metainfo (parts
// were verified when stored). Nothing is ever written: this storage only seeds.
#include "CTorrentSeeder.h"

#include "StoreDiskIOBase.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/disk_interface.hpp>
#include <libtorrent/io_context.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/session_stats.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <set>
#include <thread>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {
void copyMessage(const std::string &message, char *error, size_t capacity) {
    if (error == nullptr || capacity == 0) return;
    size_t count = std::min(message.size(), capacity - 1);
    std::memcpy(error, message.data(), count);
    error[count] = '\0';
}

std::string hexOf(const char *bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string text(40, '0');
    for (int i = 0; i < 20; i++) {
        text[2 * i] = digits[(static_cast<unsigned char>(bytes[i]) >> 4) & 0xf];
        text[2 * i + 1] = digits[static_cast<unsigned char>(bytes[i]) & 0xf];
    }
    return text;
}

/// The pieces of one seeded torrent.
struct SeededTorrent {
    std::vector<lt::sha1_hash> pieces;
    int pieceLength = 0;
    std::int64_t totalSize = 0;

    int pieceSize(lt::piece_index_t piece) const {
        const std::int64_t start = std::int64_t(static_cast<int>(piece)) * pieceLength;
        return static_cast<int>(std::min<std::int64_t>(pieceLength, totalSize - start));
    }
};

/// Open element files, at most `capacity`, least recently used closed first.
class DescriptorCache {
  public:
    explicit DescriptorCache(std::string root) : root_(std::move(root)) {}
    ~DescriptorCache() {
        for (auto &entry : open_) close(entry.second.first);
    }

    /// A descriptor of the element, or -1.
    int get(const lt::sha1_hash &hash) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = open_.find(hash);
        if (found != open_.end()) {
            order_.splice(order_.begin(), order_, found->second.second);
            return found->second.first;
        }
        const std::string hex = hexOf(hash.data());
        const std::string path = root_ + "/" + hex.substr(0, 2) + "/" + hex.substr(2);
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -1;
        order_.push_front(hash);
        open_[hash] = {fd, order_.begin()};
        if (open_.size() > capacity_) {
            auto oldest = order_.back();
            order_.pop_back();
            close(open_[oldest].first);
            open_.erase(oldest);
        }
        return fd;
    }

    void forget(const lt::sha1_hash &hash) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = open_.find(hash);
        if (found == open_.end()) return;
        order_.erase(found->second.second);
        close(found->second.first);
        open_.erase(found);
    }

  private:
    std::string root_;
    std::mutex mutex_;
    std::list<lt::sha1_hash> order_;
    std::map<lt::sha1_hash, std::pair<int, std::list<lt::sha1_hash>::iterator>> open_;
    size_t capacity_ = 256;
};

class ElementDiskIO final : public zenfs::StoreDiskIOBase {
  public:
    ElementDiskIO(lt::io_context &context, std::shared_ptr<std::map<lt::sha1_hash, SeededTorrent>> catalog,
                  std::shared_ptr<std::mutex> catalogMutex, std::string elements, CTorrentFetchPart fetch,
                  void *fetchContext)
        : StoreDiskIOBase(context), catalog_(std::move(catalog)), catalogMutex_(std::move(catalogMutex)),
          files_(std::move(elements)), fetch_(fetch), fetchContext_(fetchContext) {}

    lt::storage_holder new_torrent(lt::storage_params const &params, std::shared_ptr<void> const &) override {
        std::lock_guard<std::mutex> lock(*catalogMutex_);
        lt::storage_index_t index{static_cast<std::uint32_t>(storages_.size())};
        auto found = catalog_->find(params.info_hash);
        storages_.push_back(found == catalog_->end() ? SeededTorrent{} : found->second);
        return lt::storage_holder(index, *this);
    }


    void async_read(lt::storage_index_t storage, lt::peer_request const &request,
                    std::function<void(lt::disk_buffer_holder, lt::storage_error const &)> handler,
                    lt::disk_job_flags_t) override {
        const SeededTorrent *torrent = nullptr;
        {
            std::lock_guard<std::mutex> lock(*catalogMutex_);
            torrent = &storages_[static_cast<std::size_t>(static_cast<std::uint32_t>(storage))];
        }
        const int piece = static_cast<int>(request.piece);
        if (piece < 0 || piece >= static_cast<int>(torrent->pieces.size()) || request.start < 0 ||
            request.length <= 0 || request.start + request.length > torrent->pieceSize(request.piece)) {
            lt::storage_error error = zenfs::readFailure(lt::operation_t::file_read);
            lt::post(context_, [handler, error] { handler(lt::disk_buffer_holder(), error); });
            return;
        }
        const lt::sha1_hash hash = torrent->pieces[static_cast<std::size_t>(piece)];
        const int start = request.start;
        const int length = request.length;
        char *buffer = new char[static_cast<std::size_t>(length)];
        if (copyFromCachedPiece(hash, torrent->pieceSize(request.piece), start, length, buffer)) {
            lt::post(context_, [this, handler, buffer, length] {
                handler(lt::disk_buffer_holder(*this, buffer, length), lt::storage_error());
            });
            return;
        }
        if (fetch_ == nullptr) {
            delete[] buffer;
            lt::storage_error error = zenfs::readFailure(lt::operation_t::file_read);
            lt::post(context_, [handler, error] { handler(lt::disk_buffer_holder(), error); });
            return;
        }
        // Not local: the node fetches it from the circuit, off libtorrent's network thread.
        std::thread([this, handler, buffer, hash, start, length] {
            bool ok = fetch_(fetchContext_, reinterpret_cast<const std::uint8_t *>(hash.data())) == 0 &&
                      (files_.forget(hash), readInto(hash, start, length, buffer));
            if (!ok) {
                delete[] buffer;
                lt::storage_error error = zenfs::readFailure(lt::operation_t::file_read);
                lt::post(context_, [handler, error] { handler(lt::disk_buffer_holder(), error); });
                return;
            }
            lt::post(context_, [this, handler, buffer, length] {
                handler(lt::disk_buffer_holder(*this, buffer, length), lt::storage_error());
            });
        }).detach();
    }

    bool async_write(lt::storage_index_t, lt::peer_request const &, char const *, std::shared_ptr<lt::disk_observer>,
                     std::function<void(lt::storage_error const &)> handler, lt::disk_job_flags_t) override {
        lt::storage_error error;
        error.operation = lt::operation_t::file_write;
        error.ec = boost::system::errc::make_error_code(boost::system::errc::read_only_file_system);
        lt::post(context_, [handler, error] { handler(error); });
        return false;
    }

    void async_hash(lt::storage_index_t storage, lt::piece_index_t piece, lt::span<lt::sha256_hash>,
                    lt::disk_job_flags_t,
                    std::function<void(lt::piece_index_t, lt::sha1_hash const &, lt::storage_error const &)> handler)
        override {
        lt::sha1_hash hash;
        {
            std::lock_guard<std::mutex> lock(*catalogMutex_);
            const SeededTorrent &torrent = storages_[static_cast<std::size_t>(static_cast<std::uint32_t>(storage))];
            const int index = static_cast<int>(piece);
            if (index >= 0 && index < static_cast<int>(torrent.pieces.size()))
                hash = torrent.pieces[static_cast<std::size_t>(index)];
        }
        lt::post(context_, [handler, piece, hash] { handler(piece, hash, lt::storage_error()); });
    }









    void async_clear_piece(lt::storage_index_t, lt::piece_index_t index,
                           std::function<void(lt::piece_index_t)> handler) override {
        lt::post(context_, [handler, index] { handler(index); });
    }



  private:
    /// Peers ask for 16 KiB blocks; the whole part is read once and the following blocks are copied from
    /// memory (recent parts are kept, up to 16 MiB).
    bool copyFromCachedPiece(const lt::sha1_hash &hash, int pieceSize, int offset, int length, char *buffer) {
        std::shared_ptr<std::vector<char>> piece;
        {
            std::lock_guard<std::mutex> lock(cacheMutex_);
            for (auto &entry : recent_) {
                if (entry.first == hash) {
                    piece = entry.second;
                    break;
                }
            }
        }
        if (!piece) {
            auto loaded = std::make_shared<std::vector<char>>(static_cast<std::size_t>(pieceSize));
            if (!readInto(hash, 0, pieceSize, loaded->data())) return false;
            piece = loaded;
            std::lock_guard<std::mutex> lock(cacheMutex_);
            recent_.push_front({hash, piece});
            cachedBytes_ += piece->size();
            while (cachedBytes_ > maximumCachedBytes && recent_.size() > 1) {
                cachedBytes_ -= recent_.back().second->size();
                recent_.pop_back();
            }
        }
        if (offset + length > static_cast<int>(piece->size())) return false;
        std::memcpy(buffer, piece->data() + offset, static_cast<std::size_t>(length));
        return true;
    }

    bool readInto(const lt::sha1_hash &hash, int offset, int length, char *buffer) {
        int fd = files_.get(hash);
        if (fd < 0) return false;
        int done = 0;
        while (done < length) {
            ssize_t count = pread(fd, buffer + done, static_cast<size_t>(length - done), offset + done);
            if (count <= 0) return false;
            done += static_cast<int>(count);
        }
        return true;
    }

    std::shared_ptr<std::map<lt::sha1_hash, SeededTorrent>> catalog_;
    std::shared_ptr<std::mutex> catalogMutex_;
    std::deque<SeededTorrent> storages_;  // a deque: references stay valid as torrents are added
    DescriptorCache files_;
    std::mutex cacheMutex_;
    std::list<std::pair<lt::sha1_hash, std::shared_ptr<std::vector<char>>>> recent_;
    std::size_t cachedBytes_ = 0;
    static constexpr std::size_t maximumCachedBytes = 16u << 20;
    CTorrentFetchPart fetch_;
    void *fetchContext_;
};
}  // namespace

/// The peers found so far by DHT lookups of one key, and how many callers wait for them.
struct DHTLookup {
    std::set<lt::tcp::endpoint> peers;
    int waiters = 0;
};

struct CTorrentSeeder {
    std::unique_ptr<lt::session> session;
    std::shared_ptr<std::map<lt::sha1_hash, SeededTorrent>> catalog = std::make_shared<std::map<lt::sha1_hash, SeededTorrent>>();
    std::shared_ptr<std::mutex> catalogMutex = std::make_shared<std::mutex>();
    bool dht = false;
    std::thread alertThread;
    std::atomic<bool> stopping{false};
    std::mutex lookupMutex;
    std::condition_variable lookupChanged;
    std::map<lt::sha1_hash, DHTLookup> lookups;

    /// Reads the session's alerts (only DHT replies are asked for) until the session stops.
    void readAlerts() {
        while (!stopping.load()) {
            if (session->wait_for_alert(lt::milliseconds(200)) == nullptr) continue;
            std::vector<lt::alert *> alerts;
            session->pop_alerts(&alerts);
            for (lt::alert *alert : alerts) {
                auto *reply = lt::alert_cast<lt::dht_get_peers_reply_alert>(alert);
                if (reply == nullptr) continue;
                std::lock_guard<std::mutex> lock(lookupMutex);
                auto found = lookups.find(reply->info_hash);
                if (found == lookups.end()) continue;
                for (const lt::tcp::endpoint &peer : reply->peers()) found->second.peers.insert(peer);
                lookupChanged.notify_all();
            }
        }
    }
};

extern "C" CTorrentSeeder *CTorrentSeeder_start(const char *listen_interfaces, const char *elements_directory,
                                                const char *dht_bootstrap_nodes, CTorrentFetchPart fetch,
                                                void *fetch_context, char *error, size_t error_capacity) {
    try {
        auto seeder = std::make_unique<CTorrentSeeder>();
        lt::settings_pack settings = zenfs::sessionSettings(lt::high_performance_seed(), listen_interfaces);
        // Clients that insist on uTP (Transmission does) may still connect; this side never starts uTP.
        settings.set_bool(lt::settings_pack::enable_incoming_utp, true);
        if (dht_bootstrap_nodes != nullptr) {
            seeder->dht = true;
            settings.set_bool(lt::settings_pack::enable_dht, true);
            settings.set_str(lt::settings_pack::dht_bootstrap_nodes, dht_bootstrap_nodes);
            // A private DHT (a test's, a LAN's) has many nodes on one address or in private ranges; the
            // public DHT's anti-Sybil rules would keep its routing tables empty.
            settings.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
            settings.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
            settings.set_bool(lt::settings_pack::dht_ignore_dark_internet, false);
            settings.set_bool(lt::settings_pack::dht_enforce_node_id, false);
            settings.set_bool(lt::settings_pack::dht_prefer_verified_node_ids, false);
            settings.set_int(lt::settings_pack::alert_mask, lt::alert_category::dht_operation);
        }
        lt::session_params params(settings);
        auto catalog = seeder->catalog;
        auto catalogMutex = seeder->catalogMutex;
        std::string elements(elements_directory);
        params.disk_io_constructor = [catalog, catalogMutex, elements, fetch, fetch_context](
                                         lt::io_context &context, lt::settings_interface const &, lt::counters &) {
            return std::unique_ptr<lt::disk_interface>(
                new ElementDiskIO(context, catalog, catalogMutex, elements, fetch, fetch_context));
        };
        seeder->session = std::make_unique<lt::session>(std::move(params));
        if (seeder->dht) {
            CTorrentSeeder *raw = seeder.get();
            seeder->alertThread = std::thread([raw] { raw->readAlerts(); });
        }
        return seeder.release();
    } catch (const std::exception &e) {
        copyMessage(e.what(), error, error_capacity);
        return nullptr;
    }
}

extern "C" int CTorrentSeeder_add(CTorrentSeeder *seeder, const uint8_t *metainfo, size_t length, const char *tracker,
                                  char *error, size_t error_capacity) {
    try {
        lt::error_code code;
        lt::span<const char> buffer(reinterpret_cast<const char *>(metainfo), static_cast<std::ptrdiff_t>(length));
        auto info = std::make_shared<lt::torrent_info>(buffer, code, lt::from_span);
        if (code) {
            copyMessage(code.message(), error, error_capacity);
            return -1;
        }
        const lt::sha1_hash v1 = info->info_hashes().v1;
        {
            std::lock_guard<std::mutex> lock(*seeder->catalogMutex);
            if (seeder->catalog->count(v1)) return 1;
            SeededTorrent torrent;
            torrent.pieceLength = info->piece_length();
            torrent.totalSize = info->total_size();
            for (lt::piece_index_t piece : info->piece_range()) torrent.pieces.push_back(info->hash_for_piece(piece));
            (*seeder->catalog)[v1] = std::move(torrent);
        }
        lt::add_torrent_params params;
        params.ti = info;
        params.save_path = "/nonexistent-zenfs-element-store";
        params.flags |= lt::torrent_flags::seed_mode;
        params.flags &= ~lt::torrent_flags::auto_managed;
        params.flags &= ~lt::torrent_flags::paused;
        if (tracker != nullptr) params.trackers.push_back(tracker);
        seeder->session->add_torrent(std::move(params));
        return 0;
    } catch (const std::exception &e) {
        copyMessage(e.what(), error, error_capacity);
        return -1;
    }
}

extern "C" void CTorrentSeeder_stats(CTorrentSeeder *seeder, CTorrentSeederStats *stats) {
    std::memset(stats, 0, sizeof *stats);
    stats->listen_port = seeder->session->listen_port();
    for (const lt::torrent_handle &handle : seeder->session->get_torrents()) {
        lt::torrent_status status = handle.status();
        stats->torrents += 1;
        stats->peers += status.num_peers;
        stats->bytes_uploaded += status.total_payload_upload;
    }
}

extern "C" int CTorrentSeeder_dht_announce(CTorrentSeeder *seeder, const uint8_t *key, int port) {
    if (!seeder->dht || port <= 0 || port > 65535) return -1;
    seeder->session->dht_announce(lt::sha1_hash(reinterpret_cast<const char *>(key)), port);
    return 0;
}

extern "C" int CTorrentSeeder_dht_get_peers(CTorrentSeeder *seeder, const uint8_t *key, double timeout_seconds,
                                            CTorrentEndpoint *endpoints, int capacity) {
    if (!seeder->dht) return -1;
    const lt::sha1_hash hash(reinterpret_cast<const char *>(key));
    std::unique_lock<std::mutex> lock(seeder->lookupMutex);
    DHTLookup &lookup = seeder->lookups[hash];
    lookup.waiters += 1;
    lock.unlock();
    seeder->session->dht_get_peers(hash);
    lock.lock();
    seeder->lookupChanged.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                                   [&] { return !lookup.peers.empty() || seeder->stopping.load(); });
    int count = 0;
    for (const lt::tcp::endpoint &peer : lookup.peers) {
        if (count >= capacity) break;
        const std::string host = peer.address().to_string();
        CTorrentEndpoint &out = endpoints[count++];
        std::memset(&out, 0, sizeof out);
        copyMessage(host, out.host, sizeof out.host);
        out.port = peer.port();
    }
    lookup.waiters -= 1;
    if (lookup.waiters == 0) seeder->lookups.erase(hash);
    return count;
}

extern "C" void CTorrentSeeder_stop(CTorrentSeeder *seeder) {
    if (seeder == nullptr) return;
    seeder->stopping.store(true);
    seeder->lookupChanged.notify_all();
    if (seeder->alertThread.joinable()) seeder->alertThread.join();
    seeder->session.reset();
    delete seeder;
}
