import CZlib

/// Decompresses a gzip stream (one or more members, as `cat a.gz b.gz` makes) chunk by
/// chunk, so that a large file is read in constant memory.
final class GzipInflater {
    private var stream = z_stream()
    private var ended = false

    init() throws {
        // 15 + 16: a 32 KiB window, gzip framing.
        let code = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else { throw GzipError("init", code: code, message: stream.msg) }
    }

    deinit {
        inflateEnd(&stream)
    }

    /// Inflates all of `input`, appending the output to `output`.
    func inflate(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        guard input.count > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress!)
        stream.avail_in = uInt(input.count)
        while stream.avail_in > 0 {
            if ended {
                // Another gzip member follows the one that ended.
                let code = inflateReset(&stream)
                guard code == Z_OK else { throw GzipError("reset", code: code, message: stream.msg) }
                ended = false
            }
            let produced = try chunk.withUnsafeMutableBytes { buffer -> Int in
                stream.next_out = buffer.bindMemory(to: Bytef.self).baseAddress!
                stream.avail_out = uInt(buffer.count)
                let code = CZlib.inflate(&stream, Z_NO_FLUSH)
                switch code {
                case Z_OK, Z_BUF_ERROR: break
                case Z_STREAM_END: ended = true
                default: throw GzipError("inflate", code: code, message: stream.msg)
                }
                return buffer.count - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[..<produced])
            if produced == 0 && !ended && stream.avail_in > 0 && stream.avail_out > 0 {
                throw GzipError("inflate (no progress)", code: Z_DATA_ERROR, message: nil)
            }
        }
    }

    /// Whether the input so far ended at the end of a gzip member: false for a file cut short.
    var atMemberEnd: Bool { ended }
}
