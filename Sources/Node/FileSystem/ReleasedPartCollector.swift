import Foundation
import Glibc

/// Collects, every few seconds on a thread of its own, the parts that nothing references any more (those a
/// mount's new versions superseded), so that a file rewritten and fsynced again and again keeps about one copy
/// of each part instead of one per fsync. Each pass is `FileSystemService.collectReleased`: it skips when an add
/// or a collector holds the data directory, and takes nothing a writer is about to record.
public final class ReleasedPartCollector: @unchecked Sendable {
    private let service: FileSystemService
    private let interval: TimeInterval
    private let wakeup = NSCondition()
    private var stopping = false

    /// How often a pass runs by default.
    public static let defaultInterval: TimeInterval = 5

    public init(service: FileSystemService, interval: TimeInterval = ReleasedPartCollector.defaultInterval) {
        self.service = service
        self.interval = interval
    }

    /// Starts the passes; they run until `stop`.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "zenfs-collector"
        thread.start()
    }

    /// Ends the passes (a pass under way finishes first).
    public func stop() {
        wakeup.withLock {
            stopping = true
            wakeup.signal()
        }
    }

    private func run() {
        // The process's stop signals are never this thread's to take: delivered here, they would not reach
        // the mount's handlers (which detach the mount), and the process would go on serving.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stopSignals, signal) }
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        while true {
            let stop = wakeup.withLock { () -> Bool in
                if !stopping { _ = wakeup.wait(until: Date().addingTimeInterval(interval)) }
                return stopping
            }
            if stop { return }
            do { _ = try service.collectReleased() } catch {
                FileHandle.standardError.write(Data("zenfs: collecting superseded parts failed: \(error)\n".utf8))
            }
        }
    }
}
