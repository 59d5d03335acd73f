import Foundation

/// Unpacks the thin image's packages into a staging folder and lays out the guest: busybox and its init, dropbear
/// with the libraries its ELF headers name, the virtio modules, the start-up files; then packs the initramfs,
/// copies the kernel and creates the empty base disk. The result lands in `staging/image`.
struct GuestAssembler {
    var packages: [String: String]
    var staging: String
    var hash: String

    /// Where Debian keeps shared libraries, searched in this order inside the unpacked packages.
    static let libraryDirectories = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "lib", "usr/lib"]
    /// Bound on the libraries copied for one binary (dropbear needs seven).
    static let maximumLibraries = 64

    var unpacked: String { staging + "/unpacked" }
    var root: String { staging + "/root" }
    var output: String { staging + "/image" }

    func assemble() throws(VMHostError) -> ThinImage {
        try? FileManager.default.removeItem(atPath: staging)
        for directory in [unpacked, output] { try makeDirectory(directory) }
        for name in packages.keys.sorted() {
            _ = try Subprocess.output("dpkg-deb", ["-x", packages[name]!, unpacked], timeout: 120)
        }
        for directory in [
            "bin", "sbin", "etc/init.d", "etc/acpi/PWRF", "etc/dropbear", "proc", "sys", "dev", "tmp", "run",
            "root/.ssh", "var/log", "lib/modules", "lib/x86_64-linux-gnu", "lib64",
        ] {
            try makeDirectory(root + "/" + directory)
        }
        try copy(unpacked + "/bin/busybox", to: root + "/bin/busybox", package: ThinImageBuilder.busyboxPackage)
        try link("bin/busybox", at: root + "/init")
        try link("busybox", at: root + "/bin/sh")
        try copy(
            unpacked + "/usr/sbin/dropbear",
            to: root + "/sbin/dropbear",
            package: ThinImageBuilder.sshServerPackage
        )
        try copyLibraries(of: root + "/sbin/dropbear")
        let release = try kernelRelease()
        try copyModules(release: release)
        try write(GuestFiles.inittab, to: "etc/inittab")
        try write(GuestFiles.startScript, to: "etc/init.d/rcS", executable: true)
        try write(GuestFiles.powerButton, to: "etc/acpi/PWRF/00000080", executable: true)
        try write(GuestFiles.passwd, to: "etc/passwd")
        try write(GuestFiles.group, to: "etc/group")
        try write(GuestFiles.shells, to: "etc/shells")
        let image = ThinImage(directory: output, contentHash: hash, kernelRelease: release, packages: packages)
        try copy(unpacked + "/boot/vmlinuz-" + release, to: image.kernelPath, package: "kernel")
        _ = try Subprocess.output(
            "sh",
            [
                "-c", #"cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6 > "$2""#, "sh",
                root, image.initramfsPath,
            ],
            timeout: 300
        )
        _ = try Subprocess.output(
            "qemu-img",
            ["create", "-q", "-f", "qcow2", image.baseDiskPath, ThinImageBuilder.baseDiskSize],
            timeout: 60
        )
        for path in [image.kernelPath, image.initramfsPath, image.baseDiskPath] { chmod(path, 0o644) }
        chmod(output, 0o755)
        return image
    }

    /// The release of the one kernel in the unpacked packages (`boot/vmlinuz-RELEASE`).
    func kernelRelease() throws(VMHostError) -> String {
        let boot = (try? FileManager.default.contentsOfDirectory(atPath: unpacked + "/boot")) ?? []
        let kernels = boot.filter { $0.hasPrefix("vmlinuz-") }.sorted()
        guard let kernel = kernels.last else {
            throw .packageContents(package: ThinImageBuilder.kernelMetaPackage, problem: "no boot/vmlinuz-* inside")
        }
        return String(kernel.dropFirst("vmlinuz-".count))
    }

    /// Copies each module of `GuestFiles.modules` from the kernel package into `lib/modules/NAME.ko`.
    func copyModules(release: String) throws(VMHostError) {
        let base = unpacked + "/lib/modules/" + release + "/kernel"
        var found: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: base)
        while let relative = enumerator?.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasSuffix(".ko") { found[String(name.dropLast(3))] = base + "/" + relative }
        }
        let missing = GuestFiles.modules.filter { found[$0] == nil }
        guard missing.isEmpty else {
            throw .packageContents(
                package: "linux-image-\(release)",
                problem: "modules not found as uncompressed .ko files: \(missing.joined(separator: ", "))"
            )
        }
        for module in GuestFiles.modules {
            try copy(found[module]!, to: root + "/lib/modules/" + module + ".ko", package: "linux-image-\(release)")
        }
    }

    /// Copies the interpreter and every library `binary` needs (and they need), read from ELF headers, from the
    /// unpacked packages into the guest.
    func copyLibraries(of binary: String) throws(VMHostError) {
        var queue = [binary]
        var copied: Set<String> = []
        while let next = queue.popLast() {
            guard copied.count <= Self.maximumLibraries else {
                throw .packageContents(package: ThinImageBuilder.sshServerPackage, problem: "too many libraries")
            }
            let dependencies = try ELFDependencies(bytes: try bytes(of: next), path: next)
            if let interpreter = dependencies.interpreter, !copied.contains(interpreter) {
                copied.insert(interpreter)
                let source = try resolveInside(interpreter)
                try makeDirectory(root + (interpreter as NSString).deletingLastPathComponent)
                try copy(source, to: root + interpreter, package: "libc6")
            }
            for library in dependencies.needed where !copied.contains(library) {
                copied.insert(library)
                guard
                    let source = Self.libraryDirectories.lazy.compactMap({
                        try? self.resolveInside("/" + $0 + "/" + library)
                    }).first
                else {
                    throw .packageContents(
                        package: ThinImageBuilder.sshServerPackage,
                        problem: "library \(library) is in none of its dependencies"
                    )
                }
                let target = root + "/lib/x86_64-linux-gnu/" + library
                try copy(source, to: target, package: library)
                queue.append(target)
            }
        }
    }

    /// The real file that `path` (absolute, as the guest sees it) names inside the unpacked packages, following
    /// symbolic links (absolute ones relative to the unpacked root), at most 16 of them.
    func resolveInside(_ path: String) throws(VMHostError) -> String {
        var current = path
        for _ in 0..<16 {
            let full = unpacked + current
            if let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
                current =
                    destination.hasPrefix("/")
                    ? destination : ((current as NSString).deletingLastPathComponent + "/" + destination)
                continue
            }
            guard FileManager.default.fileExists(atPath: full) else { throw .file(path: full, problem: "missing") }
            return full
        }
        throw .file(path: unpacked + path, problem: "too many symbolic links")
    }

    func bytes(of path: String) throws(VMHostError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .file(path: path, problem: "cannot read")
        }
        return [UInt8](data)
    }

    func makeDirectory(_ path: String) throws(VMHostError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .file(path: path, problem: "cannot create the folder: \(error)")
        }
    }

    func copy(_ source: String, to destination: String, package: String) throws(VMHostError) {
        guard FileManager.default.fileExists(atPath: source) else {
            throw .packageContents(package: package, problem: "\(source) is missing")
        }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: destination)
        } catch {
            throw .file(path: destination, problem: "cannot copy \(source): \(error)")
        }
    }

    func link(_ destination: String, at path: String) throws(VMHostError) {
        do {
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: destination)
        } catch {
            throw .file(path: path, problem: "cannot create the link: \(error)")
        }
    }

    func write(_ text: String, to relative: String, executable: Bool = false) throws(VMHostError) {
        let path = root + "/" + relative
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw .file(path: path, problem: "cannot write")
        }
        chmod(path, executable ? 0o755 : 0o644)
    }
}
