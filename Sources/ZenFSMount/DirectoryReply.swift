import CFuse3
import Node

/// Fills one `readdir` or `readdirplus` reply with as many entries as fit.
enum DirectoryReply {
    /// `add` places one entry at `buffer` (with `room` bytes left) and returns the bytes it needs, as
    /// `fuse_add_direntry` does: more than `room` means it did not fit and nothing was written. `next` is the
    /// position the kernel asks for to continue after the entry.
    static func send(
        _ request: fuse_req_t?,
        _ items: ArraySlice<DirectoryItem>,
        size: Int,
        startingAt offset: Int,
        add: (_ buffer: UnsafeMutablePointer<CChar>, _ room: Int, _ item: DirectoryItem, _ next: Int) -> Int
    ) {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, size))
        defer { buffer.deallocate() }
        var used = 0
        var position = offset
        for item in items {
            let needed = add(buffer + used, size - used, item, position + 1)
            if needed > size - used { break }
            used += needed
            position += 1
        }
        fuse_reply_buf(request, buffer, used)
    }
}
