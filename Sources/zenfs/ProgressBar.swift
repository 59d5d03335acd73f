import Foundation
import Glibc
import Node

/// A one-line progress bar on standard error (bytes, MB/s, ETA), drawn only on a terminal and only once the
/// work has taken more than a second.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let lock = NSLock()
    private var counter: ProgressCounter?
    private var finished = false
    private var drew = false
    private let start = Date()
    private var thread: Thread?

    init(label: String) {
        self.label = label
    }

    /// Whether standard error is a terminal.
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Starts drawing `counter` (called by the service when the work's size is known).
    func track(_ counter: ProgressCounter) {
        guard Self.isTerminal else { return }
        lock.withLock { self.counter = counter }
        let thread = Thread { [weak self] in
            while let self, !self.isFinished {
                Thread.sleep(forTimeInterval: 0.2)
                self.draw()
            }
        }
        self.thread = thread
        thread.start()
    }

    private var isFinished: Bool { lock.withLock { finished } }

    private func draw() {
        let elapsed = Date().timeIntervalSince(start)
        guard elapsed >= 1, let counter = lock.withLock({ finished ? nil : self.counter }) else { return }
        let done = counter.completed
        let total = max(counter.total, 1)
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let rate = Double(done) / elapsed
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(
            format: "\r%@ [%@] %3.0f%% %@/%@ %.1f MB/s ETA %ds ",
            label,
            bar,
            fraction * 100,
            ByteCount.format(done),
            ByteCount.format(counter.total),
            rate / 1_000_000,
            Int(remaining)
        )
        lock.withLock {
            guard !finished else { return }
            drew = true
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Stops drawing and clears the line.
    func finish() {
        let clear = lock.withLock { () -> Bool in
            finished = true
            return drew
        }
        if clear { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
    }
}
