import Dispatch
import Glibc
import Synchronization
import ZenFS

/// The bytes of one file as it is being written: the parts of its last committed version (`base`), overlaid with
/// the parts writes have changed since. A changed part is kept whole in memory until it is complete, then hashed
/// and staged as an element ("spilled"), so memory stays bounded however large the file grows. Sealing gives
/// the part hashes of the new version, reusing every unchanged part of the old one (copy-on-write by part).
///
/// Not thread-safe: its owner serializes access.
final class FileImage {
    /// The committed content this image starts from.
    struct Base {
        /// The pieces of the whole metainfo the file lies in.
        let pieces: [SHA1Digest]
        let pieceLength: Int
        /// The metainfo stream's total length.
        let streamLength: Int64
        /// Where the file starts in that stream.
        let offset: Int64
        let size: Int64
        /// The metainfo's info-hash: whose holders to ask for parts that are not local.
        var infoHash: SHA1Digest? = nil
    }

    private let reader: PartReader
    private let base: Base?
    /// Part size of the new version: the base's when the file starts on one of its piece boundaries; for a new
    /// file first made larger than standard parts can hold, the size `zenfs add` would choose.
    private(set) var pieceLength: Int
    private(set) var size: Int64
    /// Base bytes at or past this offset were truncated away and read as zeros.
    private var baseValidLength: Int64
    private var memory: [Int: [UInt8]] = [:]
    private var spilled: [Int: (hash: SHA1Digest, length: Int)] = [:]
    /// Complete parts being hashed and staged in the background; still served from memory meanwhile.
    private var inFlight: [Int: (image: [UInt8], generation: Int)] = [:]
    private var generation = 0
    private let spills = BackgroundSpills()
    /// Hashes of all-zero parts by length, for holes.
    private var zeroParts: [Int: SHA1Digest] = [:]
    private(set) var staged: [StagedElement] = []
    /// Whether anything changed since the image was created or last sealed.
    private(set) var isDirty = false

    /// How many parts ahead a read at a part's start asks the kernel to fetch.
    static let readaheadParts = 16
    /// Only reads at the start of every `readaheadStride`-th part ask, so each part is asked for about twice, not
    /// sixteen times (the kernel keeps many reads of a streamed file in flight at once).
    static let readaheadStride = 8

    /// At most this many bytes of changed parts (and at least two parts) are kept in memory before the oldest
    /// are spilled.
    static let memoryBytes = 64 * PieceLength.standard
    private var memoryPartLimit: Int { max(2, Self.memoryBytes / pieceLength) }

    /// The most parts a version may have, so that its piece list (20 bytes a part), its metainfo element and its
    /// catalog rows stay bounded however large a sparse file is made.
    static let maximumParts: Int64 = 1 << 18

    /// The largest size the file may take (`EFBIG` beyond): `maximumParts` parts, or the size it already has.
    var maximumSize: Int64 {
        if isPristine { return Self.largestPristineSize }
        return max(Int64(pieceLength) * Self.maximumParts, base?.size ?? 0)
    }

    /// The largest size of a file with no content yet: `maximumParts` of the largest parts.
    static let largestPristineSize = Int64(PieceLength.largestRecommended) * maximumParts

    /// Whether the file is empty, was always empty, and nothing was written: its part size may still change.
    private var isPristine: Bool {
        (base?.size ?? 0) == 0 && size == 0 && memory.isEmpty && spilled.isEmpty && inFlight.isEmpty
            && staged.isEmpty
    }

    /// Before a new file first takes `newSize`: parts large enough that `maximumParts` of them hold it.
    private func chooseParts(for newSize: Int64) {
        guard isPristine, newSize > Int64(PieceLength.standard) * Self.maximumParts else { return }
        pieceLength = PieceLength.recommended(forTotalLength: newSize)
        while Int64(pieceLength) * Self.maximumParts < newSize && pieceLength < PieceLength.largestRecommended {
            pieceLength *= 2
        }
    }

    /// Hashes of all-zero parts by length, to tell holes in the base from data.
    private var zeroHashes: [Int: SHA1Digest] = [:]

    init(base: Base?, reader: PartReader) {
        self.base = base
        self.reader = reader
        if let base, base.offset % Int64(base.pieceLength) == 0 {
            pieceLength = base.pieceLength
        } else {
            pieceLength = PieceLength.standard
        }
        size = base?.size ?? 0
        baseValidLength = base?.size ?? 0
    }

    private func length(ofPart index: Int, size: Int64) -> Int {
        Int(max(0, min(Int64(pieceLength), size - Int64(index) * Int64(pieceLength))))
    }

    /// Copies bytes `offset ..< offset + buffer.count` of the file (clamped to its size) into `buffer`; returns how many.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset < size else { return 0 }
        let count = Int(min(Int64(buffer.count), size - offset))
        var done = 0
        while done < count {
            let position = offset + Int64(done)
            let index = Int(position / Int64(pieceLength))
            let within = Int(position % Int64(pieceLength))
            let chunk = min(count - done, pieceLength - within)
            try readPart(index, at: within, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done..<done + chunk]))
            done += chunk
        }
        return count
    }

    /// One stretch of a committed part: its hash, where the stretch starts in it and how long it is.
    struct CommittedRun {
        let hash: SHA1Digest
        let within: Int
        let length: Int
    }

    /// Where bytes `offset ..< offset + count` (clamped to the size) lie when every part they touch is an unchanged
    /// committed part: one run per part, in order. Nil otherwise (read through `read`).
    func committedRuns(at offset: Int64, count: Int) -> [CommittedRun]? {
        guard let base, offset < size, base.offset % Int64(base.pieceLength) == 0, base.pieceLength == pieceLength
        else { return nil }
        let end = offset + min(Int64(count), size - offset)
        guard end <= baseValidLength else { return nil }
        let firstPiece = Int(base.offset / Int64(pieceLength))
        var runs: [CommittedRun] = []
        var position = offset
        while position < end {
            let index = Int(position / Int64(pieceLength))
            let within = Int(position % Int64(pieceLength))
            let length = Int(min(Int64(pieceLength - within), end - position))
            guard memory[index] == nil, inFlight[index] == nil, spilled[index] == nil else { return nil }
            let piece = firstPiece + index
            if within == 0 && piece % Self.readaheadStride == 0 && piece + 1 < base.pieces.count {
                reader.prefetch(
                    base.pieces[(piece + 1)..<min(base.pieces.count, piece + 1 + Self.readaheadParts)],
                    content: base.infoHash
                )
            }
            runs.append(CommittedRun(hash: base.pieces[piece], within: within, length: length))
            position += Int64(length)
        }
        return runs
    }

    /// Reads part `index` (its current bytes, zeros past what any write or the base gave it).
    private func readPart(_ index: Int, at within: Int, into target: UnsafeMutableRawBufferPointer) throws {
        if let image = memory[index] {
            copy(image, from: within, into: target)
        } else if let image = inFlight[index]?.image {
            copy(image, from: within, into: target)
        } else if let part = spilled[index] {
            let available = max(0, min(target.count, part.length - within))
            if available > 0 {
                try reader.read(
                    part.hash,
                    at: within,
                    into: UnsafeMutableRawBufferPointer(rebasing: target[0..<available])
                )
            }
            target[available...].initializeMemory(as: UInt8.self, repeating: 0)
        } else {
            try readBase(at: Int64(index) * Int64(pieceLength) + Int64(within), into: target)
        }
    }

    private func copy(_ image: [UInt8], from within: Int, into target: UnsafeMutableRawBufferPointer) {
        let available = max(0, min(target.count, image.count - within))
        image.withUnsafeBytes { source in
            if available > 0 {
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[within..<within + available]))
            }
        }
        target[available...].initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// Reads base bytes at file offset `position`; anything past the valid base is zeros.
    private func readBase(at position: Int64, into target: UnsafeMutableRawBufferPointer) throws {
        let valid = Int(max(0, min(Int64(target.count), baseValidLength - position)))
        if valid > 0, let base {
            var done = 0
            while done < valid {
                let stream = base.offset + position + Int64(done)
                let piece = Int(stream / Int64(base.pieceLength))
                let within = Int(stream % Int64(base.pieceLength))
                let chunk = min(valid - done, base.pieceLength - within)
                if within == 0 && piece % Self.readaheadStride == 0 && piece + 1 < base.pieces.count {
                    reader.prefetch(
                        base.pieces[(piece + 1)..<min(base.pieces.count, piece + 1 + Self.readaheadParts)],
                        content: base.infoHash
                    )
                }
                try reader.read(
                    base.pieces[piece],
                    content: base.infoHash,
                    at: within,
                    into: UnsafeMutableRawBufferPointer(rebasing: target[done..<done + chunk])
                )
                done += chunk
            }
        }
        target[valid...].initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// The whole current content of part `index` at the length it has for `size`.
    private func load(_ index: Int, size: Int64) throws -> [UInt8] {
        var image = [UInt8](repeating: 0, count: length(ofPart: index, size: size))
        try image.withUnsafeMutableBytes { try readPart(index, at: 0, into: $0) }
        return image
    }

    /// Writes `bytes` at `offset`, growing the file if needed; gaps read as zeros.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard offset >= 0 else { throw PosixError.invalidArgument }
        guard bytes.count > 0 else { return }
        guard offset <= maximumSize - Int64(bytes.count) else { throw PosixError.fileTooLarge }
        chooseParts(for: offset + Int64(bytes.count))
        try collectSpills()
        let end = offset + Int64(bytes.count)
        let newSize = max(size, end)
        if newSize > size { try resizeLastPart(to: newSize) }
        var done = 0
        while done < bytes.count {
            let position = offset + Int64(done)
            let index = Int(position / Int64(pieceLength))
            let within = Int(position % Int64(pieceLength))
            let chunk = min(bytes.count - done, pieceLength - within)
            var image =
                try memory.removeValue(forKey: index) ?? inFlight.removeValue(forKey: index)?.image
                ?? load(index, size: newSize)
            if image.count < within + chunk { image += [UInt8](repeating: 0, count: within + chunk - image.count) }
            image.withUnsafeMutableBytes { target in
                target.baseAddress!.advanced(by: within).copyMemory(
                    from: bytes.baseAddress!.advanced(by: done),
                    byteCount: chunk
                )
            }
            spilled[index] = nil
            memory[index] = image
            if within + chunk == pieceLength { try spillInBackground(index) }
            done += chunk
        }
        size = newSize
        isDirty = true
        if memory.count > memoryPartLimit {
            for index in memory.keys.sorted().prefix(memory.count - memoryPartLimit / 2) { try spill(index) }
        }
    }

    /// Sets the size; bytes past a shrink are gone, bytes past a growth read as zeros.
    func truncate(to newSize: Int64) throws {
        guard newSize >= 0 else { throw PosixError.invalidArgument }
        guard newSize <= maximumSize else { throw PosixError.fileTooLarge }
        chooseParts(for: newSize)
        guard newSize != size else { return }
        try collectSpills()
        if newSize < size {
            let keep = Int((newSize + Int64(pieceLength) - 1) / Int64(pieceLength))
            memory = memory.filter { $0.key < keep }
            inFlight = inFlight.filter { $0.key < keep }
            spilled = spilled.filter { $0.key < keep }
            let tail = length(ofPart: keep - 1, size: newSize)
            if keep > 0 && tail < pieceLength {
                var image =
                    try memory.removeValue(forKey: keep - 1) ?? inFlight.removeValue(forKey: keep - 1)?.image
                    ?? load(keep - 1, size: size)
                image.removeLast(max(0, image.count - tail))
                spilled[keep - 1] = nil
                memory[keep - 1] = image
            }
            baseValidLength = min(baseValidLength, newSize)
        } else {
            try resizeLastPart(to: newSize)
        }
        size = newSize
        isDirty = true
    }

    /// Before growing: the current last part keeps its bytes in memory, so its zero tail is explicit.
    private func resizeLastPart(to newSize: Int64) throws {
        guard size > 0 else { return }
        let last = Int((size - 1) / Int64(pieceLength))
        if memory[last] == nil && length(ofPart: last, size: size) < pieceLength {
            memory[last] = try load(last, size: size)
            spilled[last] = nil
        }
        baseValidLength = min(baseValidLength, size)
    }

    /// Hashes part `index` from memory and stages it as an element.
    private func spill(_ index: Int) throws {
        guard let image = memory.removeValue(forKey: index) else { return }
        let hash = SHA1Digest.of(image)
        if let element = try image.withUnsafeBytes({ try reader.store.stage($0, as: hash) }) {
            staged.append(element)
            reader.register([element])
        }
        spilled[index] = (hash, image.count)
    }

    /// The part hashes of the current content, staging every part that is new. Unchanged parts of the base are
    /// reused when they line up; others are re-read and hashed. The staged elements are handed over (and the
    /// image keeps serving reads from them until they are committed).
    func seal() throws -> (pieces: [SHA1Digest], staged: [StagedElement]) {
        spills.wait()
        try collectSpills()
        let count = Int((size + Int64(pieceLength) - 1) / Int64(pieceLength))
        var pieces: [SHA1Digest] = []
        pieces.reserveCapacity(count)
        for index in 0..<count {
            let length = length(ofPart: index, size: size)
            if memory[index] == nil, let part = spilled[index], part.length == length {
                pieces.append(part.hash)
            } else if memory[index] == nil && spilled[index] == nil,
                let reused = reusableBasePiece(index, length: length)
            {
                pieces.append(reused)
            } else if memory[index] == nil && spilled[index] == nil
                && Int64(index) * Int64(pieceLength) >= baseValidLength
            {
                pieces.append(try zeroPart(length: length))
            } else {
                if memory[index] == nil || memory[index]!.count != length {
                    var image = try memory.removeValue(forKey: index) ?? load(index, size: size)
                    if image.count < length { image += [UInt8](repeating: 0, count: length - image.count) }
                    memory[index] = image
                }
                try spill(index)
                pieces.append(spilled[index]!.hash)
            }
        }
        let handed = staged
        staged = []
        isDirty = false
        return (pieces, handed)
    }

    /// About how many bytes the file stores, for `st_blocks`: the recorded version's (`recorded`, all of it when
    /// nil) up to where it stays valid, plus every changed part, at most the size.
    func allocatedBytes(recorded: Int64?) -> Int64 {
        let base = min(recorded ?? baseValidLength, baseValidLength)
        let changed = Int64(memory.count + inFlight.count + spilled.count) * Int64(pieceLength)
        return min(size, base + changed)
    }

    /// The first offset at or after `offset` that lies in data (`toData`) or in a hole, as `lseek` with
    /// `SEEK_DATA` or `SEEK_HOLE` answers; nil when `offset` is at or past the end (`ENXIO`). A hole is a whole
    /// part that no write changed and whose recorded bytes are all zeros (or that lies past the recorded ones);
    /// the end of the file counts as a hole.
    func seek(from offset: Int64, toData: Bool) -> Int64? {
        guard offset >= 0, offset < size else { return nil }
        let count = Int((size + Int64(pieceLength) - 1) / Int64(pieceLength))
        for index in Int(offset / Int64(pieceLength))..<count where isHole(index) != toData {
            return max(offset, Int64(index) * Int64(pieceLength))
        }
        return toData ? nil : size
    }

    private func isHole(_ index: Int) -> Bool {
        if memory[index] != nil || inFlight[index] != nil { return false }
        if let part = spilled[index] { return part.hash == zeroHash(length: part.length) }
        let start = Int64(index) * Int64(pieceLength)
        if start >= baseValidLength { return true }
        let length = length(ofPart: index, size: size)
        guard start + Int64(length) <= baseValidLength, let piece = reusableBasePiece(index, length: length) else {
            return false
        }
        return piece == zeroHash(length: length)
    }

    private func zeroHash(length: Int) -> SHA1Digest {
        if let known = zeroHashes[length] ?? zeroParts[length] { return known }
        let hash = SHA1Digest.of([UInt8](repeating: 0, count: length))
        zeroHashes[length] = hash
        return hash
    }

    /// Hands a complete part to a background thread to hash and stage, so the writer can go on receiving data.
    private func spillInBackground(_ index: Int) throws {
        guard let image = memory.removeValue(forKey: index) else { return }
        if inFlight.count >= max(2, Self.inFlightBytes / pieceLength) {
            spills.wait()
            try collectSpills()
        }
        generation += 1
        inFlight[index] = (image, generation)
        spills.start(index: index, generation: generation, image: image, store: reader.store)
    }

    /// Takes the results of finished background spills: current ones become spilled parts; results for parts
    /// written again meanwhile are discarded.
    private func collectSpills() throws {
        for result in spills.takeFinished() {
            let current = inFlight[result.index]
            switch result.outcome {
            case .success(let element):
                if current?.generation == result.generation && memory[result.index] == nil {
                    inFlight[result.index] = nil
                    spilled[result.index] = (result.hash, result.length)
                    if let element {
                        staged.append(element)
                        reader.register([element])
                    }
                } else if let element {
                    reader.store.discard([element])
                }
            case .failure(let error):
                if current?.generation == result.generation {
                    inFlight[result.index] = nil
                    memory[result.index] = current?.image
                }
                throw error
            }
        }
    }

    /// How many bytes of parts (at least two parts) may be hashing in the background at once; each is in memory
    /// meanwhile.
    static let inFlightBytes = 16 * PieceLength.standard

    /// The hash of a part of `length` zeros (a hole), staged once per image.
    private func zeroPart(length: Int) throws -> SHA1Digest {
        if let known = zeroParts[length] { return known }
        let zeros = [UInt8](repeating: 0, count: length)
        let hash = SHA1Digest.of(zeros)
        if let element = try zeros.withUnsafeBytes({ try reader.store.stage($0, as: hash) }) {
            staged.append(element)
            reader.register([element])
        }
        zeroParts[length] = hash
        return hash
    }

    private func reusableBasePiece(_ index: Int, length: Int) -> SHA1Digest? {
        guard let base, base.pieceLength == pieceLength, base.offset % Int64(pieceLength) == 0 else { return nil }
        let start = Int64(index) * Int64(pieceLength)
        guard start + Int64(length) <= baseValidLength else { return nil }
        let piece = Int(base.offset / Int64(pieceLength)) + index
        let pieceSize = Int(min(Int64(pieceLength), base.streamLength - Int64(piece) * Int64(pieceLength)))
        return pieceSize == length ? base.pieces[piece] : nil
    }
}

/// Background hashing and staging of complete parts, with results collected by the image's owner.
final class BackgroundSpills: Sendable {
    struct Result: Sendable {
        let index: Int
        let generation: Int
        let hash: SHA1Digest
        let length: Int
        let outcome: Swift.Result<StagedElement?, StoreError>
    }

    private let group = DispatchGroup()
    private let finished = Mutex<[Result]>([])

    func start(index: Int, generation: Int, image: [UInt8], store: ElementStore) {
        group.enter()
        DispatchQueue.global().async { [self] in
            let hash = SHA1Digest.of(image)
            let outcome: Swift.Result<StagedElement?, StoreError>
            do {
                outcome = .success(try image.withUnsafeBytes { buffer in try store.stage(buffer, as: hash) })
            } catch let error as StoreError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(.io(operation: "stage", path: store.root, errno: EIO))
            }
            let result = Result(index: index, generation: generation, hash: hash, length: image.count, outcome: outcome)
            finished.withLock { $0.append(result) }
            group.leave()
        }
    }

    /// Waits until every started spill has finished.
    func wait() { group.wait() }

    func takeFinished() -> [Result] {
        finished.withLock { results in
            defer { results.removeAll() }
            return results
        }
    }
}

extension FileImage.Base {
    /// The file whose bytes are `offset ..< offset + size` of `metainfo`'s stream.
    init(metainfo: Metainfo, offset: Int64, size: Int64) {
        self.init(
            pieces: metainfo.info.pieces,
            pieceLength: metainfo.info.pieceLength,
            streamLength: metainfo.info.totalLength,
            offset: offset,
            size: size,
            infoHash: metainfo.infoHash
        )
    }
}
