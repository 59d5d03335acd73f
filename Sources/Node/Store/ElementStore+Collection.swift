import Glibc
import Synchronization
import ZenFS

/// Deleting elements while other processes (a mount) may be using them.
///
/// A process that writes while a collector may run (`protectsInFlightElements`, set by a mount) holds a hard
/// link of its own, named with its process id, on every element it is about to record: a staged file for a
/// part it wrote, a staged link for a part it found already stored, and, once `commit` has named the element, a
/// held link (`.held-…`) until `recorded` says the catalog has it (or ten minutes pass). A collector moves each
/// doomed element aside first, then looks at the links of running processes and only then at the catalog, and
/// puts back what turned out to be in use: a writer that reached the element before the move holds a link or,
/// having dropped it, has recorded the element; one that comes after finds no element and writes it anew.
extension ElementStore {
    /// What a collection removed.
    public struct Collected: Equatable, Sendable {
        public var removed = 0
        /// Bytes the removed files took on the disk.
        public var freedBytes: Int64 = 0
    }

    /// Deletes the `doomed` elements that are still unused once moved aside: not in `referenced(doomed)` (asked
    /// after the move) and not linked by a staged file of a running process.
    public func collect(_ doomed: [SHA1Digest], referenced: ([SHA1Digest]) throws -> Set<SHA1Digest>) throws
        -> Collected
    {
        restoreInterruptedCollections()
        // Elements in use now (linked, then recorded) are left where they are, so that no reader of a writer's
        // finds one missing while it is aside; the check after the move catches those taken meanwhile.
        let linkedBefore = linkedByRunningProcesses()
        let candidates = doomed.filter { !linkedBefore.contains($0) }
        let recordedBefore = try referenced(candidates)
        var moved: [(hash: SHA1Digest, aside: String, bytes: Int64)] = []
        for hash in candidates where !recordedBefore.contains(hash) {
            let aside = collectingPath(of: hash)
            let bytes = Posix.allocatedBytes(path(of: hash)) ?? 0
            if Glibc.rename(path(of: hash), aside) == 0 { moved.append((hash, aside, bytes)) }
        }
        var collected = Collected()
        let inUse: Set<SHA1Digest>
        do {
            // Links first, then the catalog: a writer drops its link only after its catalog transaction has
            // committed, so an element whose link is gone by now is in the catalog when asked next.
            let linked = linkedByRunningProcesses()
            inUse = linked.union(try referenced(moved.map(\.hash)))
        } catch {
            restoreInterruptedCollections()
            throw error
        }
        for element in moved {
            if inUse.contains(element.hash) {
                _ = link(element.aside, path(of: element.hash))
            } else {
                collected.removed += 1
                collected.freedBytes += element.bytes
            }
            unlink(element.aside)
        }
        return collected
    }

    /// Puts back elements a killed collector had moved aside (a later collection decides about them again).
    func restoreInterruptedCollections() {
        for prefix in Posix.directoryNames(root) where prefix.utf8.count == 2 {
            for name in Posix.directoryNames(root + "/" + prefix) where name.hasPrefix(Self.collectingPrefix) {
                let aside = root + "/" + prefix + "/" + name
                _ = link(aside, root + "/" + prefix + "/" + name.dropFirst(Self.collectingPrefix.utf8.count))
                unlink(aside)
            }
        }
    }

    /// The elements that a running process stages (its own writes, and links on elements it found stored) or
    /// holds until recorded.
    func linkedByRunningProcesses() -> Set<SHA1Digest> {
        var hashes = Set<SHA1Digest>()
        for path in stagedFiles() {
            guard let (hash, pid) = Self.parseStagedName(path), Self.isRunning(pid) else { continue }
            hashes.insert(hash)
        }
        let now = Self.wallClockSeconds()
        for path in heldLinks() {
            guard let link = Self.parseHeldName(path), Self.isRunning(link.pid), link.until > now else { continue }
            hashes.insert(link.hash)
        }
        return hashes
    }

    /// The element and the process id in a staged file's path (`…/ab/.staged-cdef….PID.N`).
    static func parseStagedName(_ path: String) -> (SHA1Digest, pid_t)? {
        let parts = path.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        let prefix = parts[parts.count - 2]
        let fields = parts[parts.count - 1].dropFirst(stagedPrefix.utf8.count).split(separator: ".")
        guard fields.count == 3, let hash = SHA1Digest(hex: String(prefix) + fields[0]), let pid = pid_t(fields[1])
        else {
            return nil
        }
        return (hash, pid)
    }

    /// Whether process `pid` runs (a pid reused by another process counts as running: the file is then kept).
    static func isRunning(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    private func collectingPath(of hash: SHA1Digest) -> String {
        let hex = hash.hex
        return root + "/" + hex.prefix(2) + "/" + Self.collectingPrefix + hex.dropFirst(2)
    }

    /// What the name of an element moved aside by a collector starts with.
    static let collectingPrefix = ".collecting-"

    /// How long a held link protects its element when nobody drops it (a writer killed between naming and
    /// recording, or one that never says): far past any catalog transaction.
    static let heldLinkLifetime: Int64 = 600

    /// What the name of a held link starts with: `.held-cdef….PID.N.UNTIL`, UNTIL in seconds since 1970.
    static let heldPrefix = ".held-"

    /// Turns `element`'s staged file (just used to name it) into a held link.
    func hold(_ element: StagedElement) {
        let until = Self.wallClockSeconds() + Self.heldLinkLifetime
        let folder = String(element.temporaryPath[..<element.temporaryPath.lastIndex(of: "/")!])
        let staged = element.temporaryPath.dropFirst(folder.utf8.count + 1 + Self.stagedPrefix.utf8.count)
        let heldPath = folder + "/" + Self.heldPrefix + staged + ".\(until)"
        guard Glibc.rename(element.temporaryPath, heldPath) == 0 else { return }
        held.withLock { $0[element.temporaryPath] = heldPath }
    }

    /// Drops the links held on `elements` now that a catalog transaction has recorded them (call after it
    /// commits); links of elements not held are ignored.
    public func recorded(_ elements: [StagedElement]) {
        let paths = held.withLock { held in elements.compactMap { held.removeValue(forKey: $0.temporaryPath) } }
        for path in paths { unlink(path) }
    }

    /// Held links in every folder.
    func heldLinks() -> [String] {
        var paths: [String] = []
        for prefix in Posix.directoryNames(root) where prefix.utf8.count == 2 {
            for name in Posix.directoryNames(root + "/" + prefix) where name.hasPrefix(Self.heldPrefix) {
                paths.append(root + "/" + prefix + "/" + name)
            }
        }
        return paths
    }

    /// The element, process and deadline in a held link's path (`…/ab/.held-cdef….PID.N.UNTIL`).
    static func parseHeldName(_ path: String) -> (hash: SHA1Digest, pid: pid_t, until: Int64)? {
        let parts = path.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        let fields = parts[parts.count - 1].dropFirst(heldPrefix.utf8.count).split(separator: ".")
        guard fields.count == 4, let hash = SHA1Digest(hex: String(parts[parts.count - 2]) + fields[0]),
            let pid = pid_t(fields[1]), let until = Int64(fields[3])
        else { return nil }
        return (hash, pid, until)
    }

    /// Seconds since 1970 (held links' deadlines are read by other processes).
    static func wallClockSeconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}
