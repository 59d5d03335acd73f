#include "CTorrent.h"

#include <libtorrent/error_code.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/version.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace {
void copyMessage(const std::string &message, char *error, size_t capacity) {
    if (error == nullptr || capacity == 0) return;
    size_t count = std::min(message.size(), capacity - 1);
    std::memcpy(error, message.data(), count);
    error[count] = '\0';
}
}  // namespace

extern "C" const char *CTorrent_version(void) { return lt::version(); }

extern "C" int CTorrent_summarize(const uint8_t *bytes, size_t length, CTorrent_MetainfoSummary *summary,
                                  char *error, size_t error_capacity) {
    try {
        lt::error_code code;
        lt::span<const char> buffer(reinterpret_cast<const char *>(bytes), static_cast<std::ptrdiff_t>(length));
        lt::torrent_info info(buffer, code, lt::from_span);
        if (code) {
            copyMessage(code.message(), error, error_capacity);
            return -1;
        }
        const lt::sha1_hash v1 = info.info_hashes().v1;
        std::memcpy(summary->info_hash_v1, v1.data(), 20);
        summary->total_size = info.total_size();
        summary->piece_length = info.piece_length();
        summary->piece_count = info.num_pieces();
        summary->file_count = info.num_files();
        return 0;
    } catch (const std::exception &e) {
        copyMessage(e.what(), error, error_capacity);
        return -1;
    }
}
