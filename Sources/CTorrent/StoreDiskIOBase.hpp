// What the element-store disk interfaces (seeding and downloading) share: the jobs a store of content-addressed
// parts has nothing to do for — moving, renaming, deleting, file priorities — answered at once on libtorrent's
// loop, and the session settings both sessions start from (loopback-friendly, TCP only, no discovery).
#ifndef ZENFS_STORE_DISK_IO_BASE_HPP
#define ZENFS_STORE_DISK_IO_BASE_HPP

#include <libtorrent/disk_interface.hpp>
#include <libtorrent/io_context.hpp>
#include <libtorrent/settings_pack.hpp>

#include <string>

namespace zenfs {

inline lt::storage_error readFailure(lt::operation_t operation) {
    lt::storage_error error;
    error.operation = operation;
    error.ec = boost::asio::error::eof;
    return error;
}

/// Settings for a session on `listen` (libtorrent's form): no DHT, local discovery, UPnP or NAT-PMP, no uTP
/// (far slower than TCP on loopback), several peers per address allowed, no alerts.
inline lt::settings_pack sessionSettings(lt::settings_pack settings, const char *listen) {
    settings.set_str(lt::settings_pack::listen_interfaces, listen);
    settings.set_bool(lt::settings_pack::enable_dht, false);
    settings.set_bool(lt::settings_pack::enable_lsd, false);
    settings.set_bool(lt::settings_pack::enable_upnp, false);
    settings.set_bool(lt::settings_pack::enable_natpmp, false);
    settings.set_bool(lt::settings_pack::enable_outgoing_utp, false);
    settings.set_bool(lt::settings_pack::enable_incoming_utp, false);
    settings.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
    settings.set_int(lt::settings_pack::alert_mask, 0);
    settings.set_str(lt::settings_pack::user_agent, "ZenFS/0.1 libtorrent");
    return settings;
}

/// The common half of a disk interface over the element store.
class StoreDiskIOBase : public lt::disk_interface, public lt::buffer_allocator_interface {
  public:
    explicit StoreDiskIOBase(lt::io_context &context) : context_(context) {}

    void remove_torrent(lt::storage_index_t) override {}

    void async_hash2(lt::storage_index_t, lt::piece_index_t piece, int, lt::disk_job_flags_t,
                     std::function<void(lt::piece_index_t, lt::sha256_hash const &, lt::storage_error const &)> handler)
        override {
        lt::post(context_, [handler, piece] {
            handler(piece, lt::sha256_hash(), readFailure(lt::operation_t::file_read));
        });
    }

    void async_move_storage(lt::storage_index_t, std::string path, lt::move_flags_t,
                            std::function<void(lt::status_t, std::string const &, lt::storage_error const &)> handler)
        override {
        lt::post(context_, [handler, path] { handler(lt::status_t::no_error, path, lt::storage_error()); });
    }

    void async_release_files(lt::storage_index_t, std::function<void()> handler) override {
        if (handler) lt::post(context_, handler);
    }

    void async_check_files(lt::storage_index_t, lt::add_torrent_params const *,
                           lt::aux::vector<std::string, lt::file_index_t>,
                           std::function<void(lt::status_t, lt::storage_error const &)> handler) override {
        lt::post(context_, [handler] { handler(lt::status_t::no_error, lt::storage_error()); });
    }

    void async_stop_torrent(lt::storage_index_t, std::function<void()> handler) override {
        if (handler) lt::post(context_, handler);
    }

    void async_rename_file(lt::storage_index_t, lt::file_index_t index, std::string name,
                           std::function<void(std::string const &, lt::file_index_t, lt::storage_error const &)> handler)
        override {
        lt::post(context_, [handler, name, index] { handler(name, index, lt::storage_error()); });
    }

    void async_delete_files(lt::storage_index_t, lt::remove_flags_t,
                            std::function<void(lt::storage_error const &)> handler) override {
        lt::post(context_, [handler] { handler(lt::storage_error()); });
    }

    void async_set_file_priority(
        lt::storage_index_t, lt::aux::vector<lt::download_priority_t, lt::file_index_t> priorities,
        std::function<void(lt::storage_error const &, lt::aux::vector<lt::download_priority_t, lt::file_index_t>)>
            handler) override {
        lt::post(context_, [handler, priorities] { handler(lt::storage_error(), priorities); });
    }

    void update_stats_counters(lt::counters &) const override {}
    std::vector<lt::open_file_state> get_status(lt::storage_index_t) const override { return {}; }
    void abort(bool) override {}
    void submit_jobs() override {}
    void settings_updated() override {}
    void free_disk_buffer(char *buffer) override { delete[] buffer; }

  protected:
    lt::io_context &context_;
};

}  // namespace zenfs

#endif
