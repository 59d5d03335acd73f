import CFuse3
import Glibc
import Node

/// Replies to a read with stretches of element files, which libfuse splices from the page cache into the
/// kernel's request (one copy fewer than reading into a buffer, and no pinning of that buffer's pages).
enum SplicedReply {
    static func send(_ request: fuse_req_t?, _ stretches: [MountedFileSystem.PartStretch]) {
        let bufferOffset = MemoryLayout<fuse_bufvec>.offset(of: \fuse_bufvec.buf)!
        let byteCount = bufferOffset + max(1, stretches.count) * MemoryLayout<fuse_buf>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: MemoryLayout<fuse_bufvec>.alignment)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        let vector = raw.bindMemory(to: fuse_bufvec.self, capacity: 1)
        vector.pointee.count = stretches.count
        let buffers = (raw + bufferOffset).bindMemory(to: fuse_buf.self, capacity: stretches.count)
        let flags = fuse_buf_flags(
            rawValue: fuse_buf_flags.RawValue(FUSE_BUF_IS_FD.rawValue | FUSE_BUF_FD_SEEK.rawValue)
        )
        for (index, stretch) in stretches.enumerated() {
            buffers[index].size = stretch.length
            buffers[index].flags = flags
            buffers[index].fd = stretch.descriptor
            buffers[index].pos = off_t(stretch.position)
        }
        fuse_reply_data(request, vector, fuse_buf_copy_flags(rawValue: 0))
    }
}
