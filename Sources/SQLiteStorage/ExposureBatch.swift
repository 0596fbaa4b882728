import Foundation
import Storage

/// A batch of calls' exposures as the SQLite store keeps it until it is counted: one blob,
/// written in one statement, instead of rows per push and receiver. Binary, because the
/// writer encodes a few thousand receivers at a time on the hooks' cores: strings are
/// copied as they are, times keep their exact bits.
///
/// Layout (integers little-endian): version 1; the call count (u32); per call, the
/// experiment, a flag (1 with the conversation unit after it), the time (Float64 bits,
/// u64) and the group count (u32); per group, the variant, the status (u8), then the
/// receivers and the push ids, each a count (u32) and that many strings. A string is its
/// UTF-8 length (u32) and bytes.
enum ExposureBatch {
    static let version: UInt8 = 1

    static func encode(_ calls: [CallExposures]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + calls.reduce(0) { $0 + 24 * $1.count })
        bytes.append(version)
        append(UInt32(calls.count), to: &bytes)
        for call in calls {
            append(call.experiment, to: &bytes)
            if let unit = call.conversationUnit {
                bytes.append(1)
                append(unit, to: &bytes)
            } else {
                bytes.append(0)
            }
            append(call.time.bitPattern, to: &bytes)
            append(UInt32(call.groups.count), to: &bytes)
            for group in call.groups {
                append(group.variant, to: &bytes)
                bytes.append(statusCode(group.status))
                append(group.receivers, to: &bytes)
                append(group.pushIds, to: &bytes)
            }
        }
        return Data(bytes)
    }

    static func decode(_ data: Data) throws(ExposureBatchError) -> [CallExposures] {
        var reader = Reader(bytes: [UInt8](data))
        guard try reader.byte() == version else { throw ExposureBatchError(offset: 0, problem: "unknown version") }
        let callCount = try reader.count()
        var calls: [CallExposures] = []
        calls.reserveCapacity(callCount)
        for _ in 0..<callCount {
            let experiment = try reader.string()
            let conversationUnit: String?
            switch try reader.byte() {
            case 0: conversationUnit = nil
            case 1: conversationUnit = try reader.string()
            default: throw reader.damaged("a conversation unit flag other than 0 or 1")
            }
            let time = Double(bitPattern: try reader.integer(UInt64.self))
            let groupCount = try reader.count()
            var groups: [CallExposures.Group] = []
            groups.reserveCapacity(groupCount)
            for _ in 0..<groupCount {
                let variant = try reader.string()
                let status = try reader.status()
                let receivers = try reader.strings()
                let pushIds = try reader.strings()
                guard pushIds.count == 1 || pushIds.count == receivers.count else {
                    throw reader.damaged("\(pushIds.count) push ids for \(receivers.count) receivers")
                }
                groups.append(CallExposures.Group(variant: variant, status: status, receivers: receivers, pushIds: pushIds))
            }
            calls.append(CallExposures(experiment: experiment, conversationUnit: conversationUnit, time: time, groups: groups))
        }
        guard reader.offset == reader.bytes.count else { throw reader.damaged("bytes after the last call") }
        return calls
    }

    private static let statuses: [ExposureStatus] = [.exposed, .notExposed, .overridden]

    private static func statusCode(_ status: ExposureStatus) -> UInt8 {
        UInt8(statuses.firstIndex(of: status)!)
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ string: String, to bytes: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            append(UInt32(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    private static func append(_ strings: [String], to bytes: inout [UInt8]) {
        append(UInt32(strings.count), to: &bytes)
        for string in strings { append(string, to: &bytes) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        func damaged(_ problem: String) -> ExposureBatchError {
            ExposureBatchError(offset: offset, problem: problem)
        }

        mutating func byte() throws(ExposureBatchError) -> UInt8 {
            guard offset < bytes.count else { throw damaged("the batch ends early") }
            defer { offset += 1 }
            return bytes[offset]
        }

        /// A little-endian integer of `T`'s width.
        mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(ExposureBatchError) -> T {
            let width = T.bitWidth / 8
            guard bytes.count - offset >= width else { throw damaged("the batch ends early") }
            var value: T = 0
            for index in 0..<width { value |= T(bytes[offset + index]) << (8 * index) }
            offset += width
            return value
        }

        /// A count of items of at least one byte each: never more than the bytes left, so
        /// a damaged count cannot make the reader reserve memory for it.
        mutating func count() throws(ExposureBatchError) -> Int {
            let count = Int(try integer(UInt32.self))
            guard count <= bytes.count - offset else { throw damaged("a count of \(count) with \(bytes.count - offset) bytes left") }
            return count
        }

        mutating func string() throws(ExposureBatchError) -> String {
            let length = try count()
            defer { offset += length }
            guard let string = String(validating: bytes[offset..<offset + length], as: UTF8.self) else { throw damaged("a string that is not UTF-8") }
            return string
        }

        mutating func strings() throws(ExposureBatchError) -> [String] {
            let count = try count()
            var strings: [String] = []
            strings.reserveCapacity(count)
            for _ in 0..<count { strings.append(try string()) }
            return strings
        }

        mutating func status() throws(ExposureBatchError) -> ExposureStatus {
            let code = Int(try byte())
            guard code < ExposureBatch.statuses.count else { throw damaged("an unknown status \(code)") }
            return ExposureBatch.statuses[code]
        }
    }
}

/// A stored batch of exposures that cannot be read back.
public struct ExposureBatchError: Error, CustomStringConvertible {
    public var offset: Int
    public var problem: String

    public var description: String { "damaged batch of exposures at byte \(offset): \(problem)" }
}
