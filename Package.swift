// swift-tools-version:6.1
import PackageDescription

/// Defines libtorrent's ABI must be built with; pkg-config's copies are dropped by SwiftPM.
let libtorrentDefines: [CXXSetting] = [
    "TORRENT_LINKING_SHARED", "BOOST_ASIO_ENABLE_CANCELIO", "BOOST_ASIO_NO_DEPRECATED", "TORRENT_USE_OPENSSL",
    "TORRENT_USE_LIBCRYPTO", "TORRENT_SSL_PEERS", "OPENSSL_NO_SSL2", "BOOST_ALL_NO_LIB",
].map { .define($0) }

let package = Package(
    name: "ZenFS",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "zenfs", targets: ["zenfs"]),
        .library(name: "ZenFS", targets: ["ZenFS"]),
        .library(name: "Node", targets: ["Node"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssh", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries and shims.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CFuse3", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        .target(name: "CMappedGuard"),
        .target(
            name: "CTorrent",
            cxxSettings: libtorrentDefines,
            linkerSettings: [.linkedLibrary("torrent-rasterbar"), .linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),

        // Pure modules: no sockets, no database, no clock.
        .target(name: "Chain", dependencies: ["COpenSSL"]),
        .target(name: "ZenFS", dependencies: ["Chain", "COpenSSL"]),
        // Pure: the market's decisions (prices, a seller's policy, channel states, metering, placement) and its
        // peer messages; clock and usage come in as values.
        .target(name: "Market", dependencies: ["Chain", "ZenFS", "COpenSSL"]),
        // Pure: AES-256-GCM sealing of private content in chunks, keys from HKDF-SHA256.
        .target(name: "Sealing", dependencies: ["COpenSSL"]),
        // The machine side of VM tasks: thin images, QEMU and its QMP socket, cgroup limits. Knows nothing of parts,
        // catalogs or the chain beyond amounts.
        .target(
            name: "VMHost",
            dependencies: [
                "Market", "Chain",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The shell: all I/O.
        .target(
            name: "Node",
            dependencies: [
                "ZenFS", "Chain", "Market", "VMHost", "COpenSSL", "CTorrent", "CMappedGuard",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "ZenFSMount", dependencies: ["Node", "CFuse3"]),
        // The node's web server: its own pages, the ZenTube portal and the JSON API (Hummingbird, on 127.0.0.1).
        .target(
            name: "Web",
            dependencies: [
                "Node", "ZenFS", "Chain", "Market",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Templates"), .copy("Assets")]
        ),
        // Composes the node and its web server; what `zenfs node` runs.
        .target(
            name: "Daemon",
            dependencies: [
                "Node", "Web", "ZenFS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "zenfs",
            dependencies: [
                "Node", "ZenFSMount", "ZenFS", "Chain", "Market", "Sealing", "Daemon", "Web",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libFuzzer entry point for the bencode and metainfo parsers (see scripts/fuzz).
        .executableTarget(name: "ZenFSFuzz", dependencies: ["ZenFS", "Chain"]),
        // The deterministic discovery simulator (see scripts/sim).
        .executableTarget(name: "ZenFSSim", dependencies: ["ZenFS"]),
        // The measurements of `scripts/bench chain`.
        // The measurements of `scripts/bench vm`.
        .executableTarget(
            name: "ZenFSVMBench",
            dependencies: ["VMHost", .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .executableTarget(
            name: "ZenFSChainBench",
            dependencies: ["Chain", "Node", .product(name: "Logging", package: "swift-log")]
        ),
        // The measurements of `scripts/bench pps`.
        .executableTarget(name: "ZenFSProofBench", dependencies: ["Market", "Sealing", "Chain", "ZenFS"]),

        .testTarget(name: "ChainTests", dependencies: ["Chain"], resources: [.copy("Corpus")]),
        .testTarget(name: "MarketTests", dependencies: ["Market", "Chain", "ZenFS"]),
        .testTarget(name: "SealingTests", dependencies: ["Sealing"]),
        .testTarget(
            name: "VMHostTests",
            dependencies: [
                "VMHost", "Market", "Chain", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
            ]
        ),
        .testTarget(
            name: "ZenFSTests",
            dependencies: ["ZenFS", "Chain"],
            resources: [.copy("Corpus"), .copy("PeerCorpus")]
        ),
        // Helpers shared by the test targets (temporary folders, seeded data); not shipped.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "ZenFS", "Chain", "Market", "CTorrent", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "Daemon", "Node", "ZenFS", "Chain", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["Browser"]
        ),
        .testTarget(name: "ZenFSMountTests", dependencies: ["ZenFSMount", "Node", "ZenFS", "TestSupport"]),
        // Real nodes on separate hosts made by scripts/netlab (network namespaces, lossy and splitting links).
        .testTarget(name: "NetLabTests", dependencies: ["zenfs", "Node", "ZenFS", "TestSupport"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["zenfs", "ZenFS", "Node", "Chain", "Market", "TestSupport"],
            exclude: ["Scripts"]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
