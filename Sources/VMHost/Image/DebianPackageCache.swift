import Foundation

/// Finds Debian package files (`.deb`) in package caches and, when allowed, downloads missing ones with
/// `apt-get download` into its own folder. Works offline when every package is already cached.
struct DebianPackageCache: Sendable {
    /// Folders searched for `.deb` files, in order (Debian's own cache is `/var/cache/apt/archives`).
    var searchDirectories: [String]
    /// Where downloads go; searched first.
    var downloadDirectory: String
    var allowDownload: Bool

    var allDirectories: [String] { [downloadDirectory] + searchDirectories }

    /// The cached file of `package`, if any (the last by name when several versions are cached).
    func locate(_ package: String) -> String? {
        for directory in allDirectories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            let matches = files.filter { DebianControl.packageName(ofFile: $0) == package }.sorted()
            if let last = matches.last { return directory + "/" + last }
        }
        return nil
    }

    /// The cached files of `packages`, downloading what is missing when allowed; throws naming every package
    /// that is still missing.
    func fetch(_ packages: [String]) throws(VMHostError) -> [String: String] {
        var found: [String: String] = [:]
        var missing: [String] = []
        for package in packages {
            if let path = locate(package) { found[package] = path } else { missing.append(package) }
        }
        guard !missing.isEmpty else { return found }
        var downloadError: String?
        if allowDownload {
            do {
                try FileManager.default.createDirectory(atPath: downloadDirectory, withIntermediateDirectories: true)
                _ = try Subprocess.output(
                    "apt-get",
                    ["-q", "-o", "APT::Sandbox::User=root", "download"] + missing,
                    directory: downloadDirectory,
                    timeout: 300
                )
            } catch {
                downloadError = "\(error)"
            }
            for package in missing { if let path = locate(package) { found[package] = path } }
            missing.removeAll { found[$0] != nil }
        }
        guard missing.isEmpty else {
            throw .packagesMissing(
                missing,
                searched: allDirectories,
                downloadError: allowDownload ? downloadError : nil
            )
        }
        return found
    }

    /// The names in a package file's `Depends` field.
    static func dependencies(ofFile path: String) throws(VMHostError) -> [String] {
        let field = try Subprocess.output("dpkg-deb", ["-f", path, "Depends"], timeout: 30)
        return DebianControl.dependencyNames(field)
    }

    /// `packages` and everything they depend on, read from the package files themselves (so it works offline);
    /// bounded to `limit` packages.
    func closure(of packages: [String], limit: Int = 32) throws(VMHostError) -> [String: String] {
        var files: [String: String] = [:]
        var queue = packages
        while !queue.isEmpty {
            guard files.count < limit else {
                throw .packageContents(
                    package: packages.joined(separator: ","),
                    problem: "more than \(limit) dependencies"
                )
            }
            let batch = queue.filter { files[$0] == nil }
            queue = []
            for (package, path) in try fetch(Array(Set(batch)).sorted()) {
                files[package] = path
                queue += try Self.dependencies(ofFile: path).filter { files[$0] == nil }
            }
        }
        return files
    }
}
