import AuditLog
import Foundation
import Hummingbird
import PushCompose

/// The audit log over HTTP, behind the admin token: `GET /v1/audit` searches it as
/// `audit find` does, `GET /v1/audit/explain` explains a receiver in a call, `POST
/// /v1/audit/verify` checks the chain as `audit verify` does and `GET` tells the last result.
struct AuditRoutes: Sendable {
    /// The log written here: searched in its directory once what it holds is written.
    let audit: JSONLinesAuditLog
    let access: AdminAccess
    let verification: AuditVerification

    static let maxLimit = 1000

    func register(on router: Router<BasicRequestContext>) {
        let admin = router.group("v1").add(middleware: AdminAuthMiddleware(access: access))
        admin.get("audit") { request, _ in
            let query = try Self.query(try AdminQuery(request, allowed: AuditQueryInput.names))
            await audit.flush()
            let search = AuditSearch(directory: audit.directory)
            let (records, more) = try await Self.offPool { try search.records(query) }
            // The records as stored, spliced in byte for byte: they are JSON objects already.
            var body: [UInt8] = Array(#"{"records":["#.utf8)
            for (index, record) in records.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body += record.line
            }
            body += Array(#"],"more":\#(more)}"#.utf8)
            return JSONResponse.make(body: String(decoding: body, as: UTF8.self))
        }
        admin.get("audit/verify") { request, _ in
            _ = try AdminQuery(request, allowed: [])
            return AdminRoutes.json(verification.json(chainOn: audit.chain != nil))
        }
        admin.post("audit/verify") { request, _ in
            _ = try AdminQuery(request, allowed: [])
            if let chain = audit.chain {
                try await verification.verify { [audit] in
                    await audit.flush()
                    let directory = AuditDirectory(url: audit.directory)
                    return try await Self.offPool { try AuditVerifier(directory: directory, chain: chain).verify(since: nil) }
                }
            }
            return AdminRoutes.json(verification.json(chainOn: audit.chain != nil))
        }
        admin.get("audit/explain") { request, _ in
            let parameters = try AdminQuery(request, allowed: ["receiver", "call"])
            let receiver = try Self.required("receiver", parameters)
            let call = try Self.required("call", parameters)
            await audit.flush()
            let search = AuditSearch(directory: audit.directory)
            let explanation = try await Self.offPool { try AuditExplanation.explain(receiver: receiver, call: call, in: search) }
            return AdminRoutes.json(explanation.json)
        }
    }

    private static func query(_ parameters: AdminQuery) throws(CloudFunctionError) -> AuditQuery {
        var values: [String: String] = [:]
        for name in AuditQueryInput.names { values[name] = parameters.string(name) }
        do {
            return try AuditQueryInput(values: values).query(now: Date(), limits: 1...maxLimit)
        } catch {
            throw AdminError.badRequest("query parameter '\(error.name)' \(error.reason)")
        }
    }

    private static func required(_ name: String, _ parameters: AdminQuery) throws(CloudFunctionError) -> String {
        guard let value = parameters.string(name), !value.isEmpty else { throw AdminError.badRequest("query parameter '\(name)' is required") }
        return value
    }

    /// Searches read files and wait for their scans: on a thread of their own, never on
    /// Swift's cooperative pool.
    private static func offPool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = "pushcompose.audit.request"
            thread.start()
        }
    }
}
