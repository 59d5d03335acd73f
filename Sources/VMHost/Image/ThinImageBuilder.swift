import Chain
import Foundation

/// Makes the default guest from Debian packages alone: the real kernel package behind `linux-image-cloud-amd64`,
/// `busybox-static` and `dropbear-bin` with the libraries its binary names, unpacked with `dpkg-deb -x` (never
/// installed), packed into an initramfs with busybox init. The result is cached under the content hash of the
/// package files and the guest's layout, so a second build with the same packages only checks the cache. With
/// every package cached (in Debian's cache or the builder's own folder) it works offline.
public struct ThinImageBuilder: Sendable {
    /// Where images, downloads and staging folders go, and where packages are looked for.
    public struct Configuration: Sendable {
        /// Holds `images/<hash>/` and `packages/` (downloads).
        public var cacheDirectory: String
        /// Other folders holding `.deb` files.
        public var packageDirectories: [String]
        /// Whether missing packages may be fetched with `apt-get download`.
        public var allowDownload: Bool

        public init(
            cacheDirectory: String,
            packageDirectories: [String] = ["/var/cache/apt/archives"],
            allowDownload: Bool = true
        ) {
            self.cacheDirectory = cacheDirectory
            self.packageDirectories = packageDirectories
            self.allowDownload = allowDownload
        }
    }

    public static let kernelMetaPackage = "linux-image-cloud-amd64"
    public static let busyboxPackage = "busybox-static"
    public static let sshServerPackage = "dropbear-bin"
    /// Virtual size of the empty base disk; a lease's overlay sets its own size.
    static let baseDiskSize = "1G"

    public var configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }

    var packageCache: DebianPackageCache {
        DebianPackageCache(
            searchDirectories: configuration.packageDirectories,
            downloadDirectory: configuration.cacheDirectory + "/packages",
            allowDownload: configuration.allowDownload
        )
    }

    /// Builds the image, or returns the cached one made from the same packages.
    public func build() throws(VMHostError) -> ThinImage {
        for tool in ["dpkg-deb", "cpio", "gzip", "qemu-img"] where Subprocess.findExecutable(tool) == nil {
            throw .toolMissing(tool, package: Subprocess.packageName(of: tool))
        }
        let cache = packageCache
        var packages = try cache.fetch([try kernelPackage(in: cache), Self.busyboxPackage])
        for (name, path) in try cache.closure(of: [Self.sshServerPackage]) { packages[name] = path }
        let hash = try Self.contentHash(of: packages)
        let imagesDirectory = configuration.cacheDirectory + "/images"
        let directory = imagesDirectory + "/" + hash
        if let cached = Self.readManifest(directory + "/manifest.json") { return cached }
        let staging = imagesDirectory + "/.staging-\(hash.prefix(16))-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let image = try GuestAssembler(packages: packages, staging: staging, hash: hash).assemble()
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.moveItem(atPath: staging + "/image", toPath: directory)
        } catch {
            throw .file(path: directory, problem: "could not move the built image into place: \(error)")
        }
        var placed = image
        placed.directory = directory
        try Self.writeManifest(placed)
        return placed
    }

    /// The real kernel package the meta package depends on (read from the meta package's file), or, when the
    /// meta package is not available, the newest cloud kernel package already cached.
    func kernelPackage(in cache: DebianPackageCache) throws(VMHostError) -> String {
        do throws(VMHostError) {
            let meta = try cache.fetch([Self.kernelMetaPackage])[Self.kernelMetaPackage]!
            let dependencies = try DebianPackageCache.dependencies(ofFile: meta)
            guard let kernel = dependencies.first(where: { $0.hasPrefix("linux-image-") }) else {
                throw VMHostError.packageContents(package: Self.kernelMetaPackage, problem: "names no kernel package")
            }
            return kernel
        } catch {
            let cached = cache.allDirectories.flatMap { directory in
                ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                    .compactMap(DebianControl.packageName(ofFile:))
                    .filter {
                        $0.hasPrefix("linux-image-") && $0.hasSuffix("-cloud-amd64") && $0 != Self.kernelMetaPackage
                    }
            }
            guard let newest = cached.sorted().last else { throw error }
            return newest
        }
    }

    /// SHA-256 over the guest layout and each package's name, file name and bytes.
    static func contentHash(of packages: [String: String]) throws(VMHostError) -> String {
        var text = Array(GuestFiles.fingerprint.utf8)
        for name in packages.keys.sorted() {
            let path = packages[name]!
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .file(path: path, problem: "cannot read the package file")
            }
            text += Array("\u{0}\(name)\u{0}\((path as NSString).lastPathComponent)\u{0}".utf8)
            text += Hash256.sha256(data).bytes
        }
        return Hash256.sha256(text).description
    }

    static func readManifest(_ path: String) -> ThinImage? {
        guard let data = FileManager.default.contents(atPath: path),
            let image = try? JSONDecoder().decode(ThinImage.self, from: data),
            FileManager.default.fileExists(atPath: image.kernelPath),
            FileManager.default.fileExists(atPath: image.initramfsPath),
            FileManager.default.fileExists(atPath: image.baseDiskPath)
        else { return nil }
        return image
    }

    static func writeManifest(_ image: ThinImage) throws(VMHostError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(image),
            FileManager.default.createFile(atPath: image.manifestPath, contents: data)
        else { throw .file(path: image.manifestPath, problem: "cannot write the image manifest") }
    }
}
