import Foundation

/// The systemd service unit `zenfs node --print-systemd-unit` prints: this very executable run as `zenfs node`
/// over the same data directory (and configuration file, when one was named), restarted on failure, stopped with
/// SIGTERM and given the time a mount needs to record its last writes.
enum SystemdUnit {
    /// The unit's text. `executable` is an absolute path; arguments are quoted as systemd reads them.
    static func text(executable: String, dataDirectory: String, config: String?) -> String {
        var arguments = [executable, "node", "--data-dir", dataDirectory]
        if let config { arguments += ["--config", config] }
        return """
            [Unit]
            Description=ZenFS node (data in \(dataDirectory))
            Documentation=https://github.com/zenfs/zenfs
            After=network-online.target
            Wants=network-online.target

            [Service]
            Type=simple
            ExecStart=\(arguments.map(quoted).joined(separator: " "))
            Environment=ZENFS_LOG=info
            Restart=on-failure
            RestartSec=5
            KillSignal=SIGTERM
            TimeoutStopSec=150
            LimitNOFILE=65536

            [Install]
            WantedBy=multi-user.target

            """
    }

    /// The running executable's absolute path.
    static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// One word of an `ExecStart=` line: bare when plain, else in double quotes with `\`, `"`, `$` and `%`
    /// escaped as systemd expects.
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "/._-:=+,@".contains($0) }
        if plain { return word }
        var escaped = ""
        for character in word {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "$": escaped += "$$"
            case "%": escaped += "%%"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }
}
