import CZlib
import Foundation

/// Compresses a finished audit file: `x.jsonl` → `x.jsonl.gz`, through a temporary file
/// that is synced and renamed, so that a crash leaves either the whole `.gz` or none; the
/// original is removed only then.
public enum GzipFile {
    public static func compress(_ source: URL, to destination: URL, level: Int32 = 6) throws {
        let temporary = destination.appendingPathExtension("tmp")
        try? FileManager.default.removeItem(at: temporary)
        guard let input = FileHandle(forReadingAtPath: source.path) else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: source.path]) }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
            let output = FileHandle(forWritingAtPath: temporary.path)
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path]) }
        do {
            defer { try? output.close() }
            var stream = z_stream()
            // 15 + 16: a 32 KiB window, gzip framing; memory level 8.
            var code = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard code == Z_OK else { throw GzipError("deflate init", code: code, message: stream.msg) }
            defer { deflateEnd(&stream) }
            var out = [UInt8](repeating: 0, count: 256 << 10)
            var finished = false
            while !finished {
                let data = try input.read(upToCount: 1 << 20) ?? Data()
                let flush = data.isEmpty ? Z_FINISH : Z_NO_FLUSH
                var input = [UInt8](data)
                try input.withUnsafeMutableBytes { inBuffer in
                    stream.next_in = inBuffer.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_in = uInt(inBuffer.count)
                    repeat {
                        let produced = try out.withUnsafeMutableBytes { outBuffer -> Int in
                            stream.next_out = outBuffer.bindMemory(to: Bytef.self).baseAddress!
                            stream.avail_out = uInt(outBuffer.count)
                            code = deflate(&stream, flush)
                            guard code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR else {
                                throw GzipError("deflate", code: code, message: stream.msg)
                            }
                            return outBuffer.count - Int(stream.avail_out)
                        }
                        if produced > 0 { try output.write(contentsOf: out[..<produced]) }
                    } while stream.avail_out == 0
                }
                finished = code == Z_STREAM_END
            }
            try output.synchronize()
        }
        try FileManager.default.moveItem(at: temporary, to: destination)
        try syncDirectory(of: destination)
        try FileManager.default.removeItem(at: source)
    }

    /// A rename is durable once its directory is synced.
    static func syncDirectory(of file: URL) throws {
        let descriptor = open(file.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = fsync(descriptor)
    }
}
