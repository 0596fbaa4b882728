import Foundation
import NIOCore

/// The dashboard's page, styles and scripts, shipped with the service as resources and
/// read once at start: nothing is fetched from elsewhere, nothing built at run time.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
    }

    /// By file name (`index.html`, `dashboard.js`, …).
    let files: [String: Asset]

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon",
    ]

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func load() throws -> DashboardAssets {
        guard let directory = Bundle.module.url(forResource: "Assets", withExtension: nil) else {
            throw Missing(description: "the dashboard's files (PushCompose_Server.resources/Assets) are missing beside the executable")
        }
        var files: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let ext = (name as NSString).pathExtension.lowercased()
            guard let type = contentTypes[ext] else { continue }
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            files[name] = Asset(body: ByteBuffer(bytes: data), contentType: type)
        }
        guard files["index.html"] != nil else { throw Missing(description: "the dashboard's index.html is missing from \(directory.path)") }
        return DashboardAssets(files: files)
    }
}
