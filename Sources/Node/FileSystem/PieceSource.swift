import Glibc
import ZenFS

/// The byte stream of a torrent laid over local files: each file's bytes in order, zeros for pad files. Any
/// piece can be read on its own, so several threads can hash one source at once.
public struct PieceSource: Sendable {
    /// A run of the stream.
    public enum Segment: Equatable, Sendable {
        case file(path: String, length: Int64)
        case zeros(length: Int64)

        var length: Int64 {
            switch self {
            case .file(_, let length), .zeros(let length): length
            }
        }
    }

    public let segments: [Segment]
    /// Where each segment starts in the stream.
    let offsets: [Int64]
    public let totalLength: Int64
    public let pieceLength: Int

    public init(segments: [Segment], pieceLength: Int) {
        self.segments = segments
        var offsets: [Int64] = []
        var offset: Int64 = 0
        for segment in segments {
            offsets.append(offset)
            offset += segment.length
        }
        self.offsets = offsets
        self.totalLength = offset
        self.pieceLength = pieceLength
    }

    public var pieceCount: Int { Int(PieceLength.pieceCount(totalLength: totalLength, pieceLength: pieceLength)) }

    /// The size of piece `index`.
    public func size(ofPiece index: Int) -> Int {
        Int(min(Int64(pieceLength), totalLength - Int64(index) * Int64(pieceLength)))
    }

    /// The path of the file holding stream byte `offset`, for messages.
    public func path(at offset: Int64) -> String? {
        guard let index = segmentIndex(containing: offset), case .file(let path, _) = segments[index] else {
            return nil
        }
        return path
    }

    /// The path of the file where piece `index` starts, or "padding", for messages.
    func path(ofPiece index: Int) -> String {
        path(at: Int64(index) * Int64(pieceLength)) ?? "padding"
    }

    func segmentIndex(containing offset: Int64) -> Int? {
        var low = 0
        var high = segments.count - 1
        while low <= high {
            let middle = (low + high) / 2
            if offsets[middle] + segments[middle].length <= offset {
                low = middle + 1
            } else if offsets[middle] > offset {
                high = middle - 1
            } else {
                return middle
            }
        }
        return nil
    }

    /// Reads piece `index` into `buffer` (at least `size(ofPiece:)` bytes), using `files` to keep descriptors open.
    func readPiece(_ index: Int, into buffer: UnsafeMutableRawBufferPointer, files: inout SourceDescriptors)
        throws(StoreError)
    {
        let start = Int64(index) * Int64(pieceLength)
        let size = self.size(ofPiece: index)
        var done = 0
        guard var segment = segmentIndex(containing: start) else { return }
        while done < size {
            while segments[segment].length == 0 { segment += 1 }
            let position = start + Int64(done)
            let within = position - offsets[segment]
            let count = Int(min(Int64(size - done), segments[segment].length - within))
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<done + count])
            switch segments[segment] {
            case .zeros: target.initializeMemory(as: UInt8.self, repeating: 0)
            case .file(let path, _):
                try Posix.readExactly(try files.descriptor(for: path), into: target, at: within, path: path)
            }
            done += count
            segment += 1
        }
    }
}

/// A few open read-only descriptors, so consecutive pieces of one file do not reopen it.
struct SourceDescriptors: ~Copyable {
    private var open: [(path: String, fd: Int32)] = []
    private let capacity = 8

    mutating func descriptor(for path: String) throws(StoreError) -> Int32 {
        if let found = open.first(where: { $0.path == path }) { return found.fd }
        if open.count == capacity { close(open.removeFirst().fd) }
        let fd = try Posix.open(path, O_RDONLY)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        open.append((path, fd))
        return fd
    }

    deinit {
        for file in open { close(file.fd) }
    }
}
