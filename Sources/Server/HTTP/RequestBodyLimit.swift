import Hummingbird

extension Request {
    /// The whole body, refused past `limit` bytes with the same 413 the hooks answer.
    func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw CloudFunctionError.bodyTooLarge(limit: limit)
        }
    }
}
