// Downloads a torrent into the ZenFS element store: a libtorrent disk interface that assembles each piece in
// memory, hands it to the node once libtorrent asks for its hash (the piece is complete), and forgets it.
#include "CTorrentDownloader.h"

#include "StoreDiskIOBase.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/disk_interface.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/io_context.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {
void copyError(const std::string &message, char *error, size_t capacity) {
    if (error == nullptr || capacity == 0) return;
    size_t count = std::min(message.size(), capacity - 1);
    std::memcpy(error, message.data(), count);
    error[count] = '\0';
}


/// Pieces being assembled, and those already stored (kept in memory only until stored: nothing is read back).
class PieceAssemblyIO final : public zenfs::StoreDiskIOBase {
  public:
    PieceAssemblyIO(lt::io_context &context, CTorrentStorePiece store, void *storeContext)
        : StoreDiskIOBase(context), store_(store), storeContext_(storeContext) {}

    lt::storage_holder new_torrent(lt::storage_params const &params, std::shared_ptr<void> const &) override {
        pieceLength_ = params.files.piece_length();
        totalSize_ = params.files.total_size();
        return lt::storage_holder(lt::storage_index_t{0}, *this);
    }


    void async_read(lt::storage_index_t, lt::peer_request const &request,
                    std::function<void(lt::disk_buffer_holder, lt::storage_error const &)> handler,
                    lt::disk_job_flags_t) override {
        // This session only downloads; pieces are not served back from it.
        (void)request;
        lt::post(context_, [handler] { handler(lt::disk_buffer_holder(), zenfs::readFailure(lt::operation_t::file_read)); });
    }

    bool async_write(lt::storage_index_t, lt::peer_request const &request, char const *buffer,
                     std::shared_ptr<lt::disk_observer>, std::function<void(lt::storage_error const &)> handler,
                     lt::disk_job_flags_t) override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            std::vector<char> &piece = pieces_[static_cast<int>(request.piece)];
            if (piece.empty()) piece.resize(static_cast<std::size_t>(pieceSize(static_cast<int>(request.piece))));
            if (request.start >= 0 && request.start + request.length <= static_cast<int>(piece.size()))
                std::memcpy(piece.data() + request.start, buffer, static_cast<std::size_t>(request.length));
        }
        lt::post(context_, [handler] { handler(lt::storage_error()); });
        return false;
    }

    void async_hash(lt::storage_index_t, lt::piece_index_t piece, lt::span<lt::sha256_hash>, lt::disk_job_flags_t,
                    std::function<void(lt::piece_index_t, lt::sha1_hash const &, lt::storage_error const &)> handler)
        override {
        std::vector<char> bytes;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = pieces_.find(static_cast<int>(piece));
            if (found != pieces_.end()) {
                bytes = std::move(found->second);
                pieces_.erase(found);
            }
        }
        if (bytes.empty()) {
            lt::post(context_, [handler, piece] { handler(piece, lt::sha1_hash(), zenfs::readFailure(lt::operation_t::file_read)); });
            return;
        }
        lt::sha1_hash hash = lt::hasher(bytes.data(), static_cast<int>(bytes.size())).final();
        // Stored under the SHA1 of its own bytes: a piece libtorrent then rejects is an unreferenced element
        // that garbage collection removes, never a wrong one.
        int stored = store_(storeContext_, reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size(),
                            reinterpret_cast<const std::uint8_t *>(hash.data()));
        if (stored != 0) {
            lt::post(context_, [handler, piece] { handler(piece, lt::sha1_hash(), zenfs::readFailure(lt::operation_t::file_write)); });
            return;
        }
        lt::post(context_, [handler, piece, hash] { handler(piece, hash, lt::storage_error()); });
    }









    void async_clear_piece(lt::storage_index_t, lt::piece_index_t index,
                           std::function<void(lt::piece_index_t)> handler) override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            pieces_.erase(static_cast<int>(index));
        }
        lt::post(context_, [handler, index] { handler(index); });
    }


  private:
    int pieceSize(int piece) const {
        const std::int64_t start = std::int64_t(piece) * pieceLength_;
        return static_cast<int>(std::min<std::int64_t>(pieceLength_, totalSize_ - start));
    }

    CTorrentStorePiece store_;
    void *storeContext_;
    std::mutex mutex_;
    std::map<int, std::vector<char>> pieces_;
    int pieceLength_ = 0;
    std::int64_t totalSize_ = 0;
};
}  // namespace

extern "C" int CTorrent_download(const uint8_t *metainfo, size_t length, const char *magnet, CTorrentStorePiece store,
                                 CTorrentProgress progress, void *context, double timeout_seconds,
                                 uint8_t **metainfo_out, size_t *metainfo_out_length, char *error,
                                 size_t error_capacity) {
    try {
        lt::add_torrent_params params;
        if (metainfo != nullptr) {
            lt::error_code code;
            lt::span<const char> buffer(reinterpret_cast<const char *>(metainfo), static_cast<std::ptrdiff_t>(length));
            params.ti = std::make_shared<lt::torrent_info>(buffer, code, lt::from_span);
            if (code) {
                copyError(code.message(), error, error_capacity);
                return -1;
            }
        } else {
            lt::error_code code;
            lt::parse_magnet_uri(magnet, params, code);
            if (code) {
                copyError(code.message(), error, error_capacity);
                return -1;
            }
        }
        params.save_path = "/nonexistent-zenfs-element-store";
        lt::settings_pack settings = zenfs::sessionSettings(lt::settings_pack(), "127.0.0.1:0");
        lt::session_params sessionParams(settings);
        sessionParams.disk_io_constructor = [store, context](lt::io_context &io, lt::settings_interface const &,
                                                             lt::counters &) {
            return std::unique_ptr<lt::disk_interface>(new PieceAssemblyIO(io, store, context));
        };
        lt::session session(std::move(sessionParams));
        lt::torrent_handle handle = session.add_torrent(std::move(params));
        std::int64_t lastDone = -1;
        auto lastProgress = std::chrono::steady_clock::now();
        while (true) {
            lt::torrent_status status = handle.status();
            if (status.errc) {
                copyError(status.errc.message(), error, error_capacity);
                return -1;
            }
            if (progress != nullptr) progress(context, status.total_wanted_done, status.total_wanted);
            if (status.has_metadata && status.is_seeding) break;
            if (status.total_wanted_done != lastDone) {
                lastDone = status.total_wanted_done;
                lastProgress = std::chrono::steady_clock::now();
            } else if (std::chrono::steady_clock::now() - lastProgress >
                       std::chrono::duration<double>(timeout_seconds)) {
                copyError(status.has_metadata ? "the swarm stopped sending pieces" : "no peer sent the metadata",
                          error, error_capacity);
                return -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::shared_ptr<const lt::torrent_info> info = handle.torrent_file();
        lt::span<char const> section = info->info_section();
        std::string bytes = "d4:info" + std::string(section.data(), static_cast<std::size_t>(section.size())) + "e";
        *metainfo_out = static_cast<uint8_t *>(std::malloc(bytes.size()));
        std::memcpy(*metainfo_out, bytes.data(), bytes.size());
        *metainfo_out_length = bytes.size();
        return 0;
    } catch (const std::exception &e) {
        copyError(e.what(), error, error_capacity);
        return -1;
    }
}
