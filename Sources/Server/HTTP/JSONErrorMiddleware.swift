import Hummingbird
import Logging
import NIOHTTP1

/// Every error leaves as JSON in the protocol's `{"code", "error"}` shape, and counts. An
/// error answer carries its request id in `X-Request-Id`; a failure of the service (5xx)
/// tells the caller only that id, and the log has the detail under it.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as CloudFunctionError where error.status.code < 500 {
            return answer(error, request, context)
        } catch let error as HTTPResponseError where error.status.code < 500 {
            let message = error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase
            return answer(CloudFunctionError(status: error.status, code: Int(error.status.code), message: message), request, context)
        } catch let error as HTTPParserError {
            // The body broke HTTP/1.1 framing (a bad chunk, a body cut short): the caller's
            // mistake. The connection cannot be read further, so it closes after this answer.
            var response = answer(.badRequest("malformed HTTP request body: \(MalformedBody.reason(error))"), request, context)
            response.headers[.connection] = "close"
            return response
        } catch {
            let id = RequestIdentifier.of(request, context)
            context.logger.error("internal error, request id \(id): \(String(reflecting: error))", metadata: ["request_id": "\(id)"])
            return answer(.internalError(requestID: id), request, context, id: id)
        }
    }

    private func answer(_ error: CloudFunctionError, _ request: Request, _ context: Context, id: String? = nil) -> Response {
        metrics.requestError(status: Int(error.status.code))
        var response = JSONResponse.make(status: error.status, body: error.body)
        response.headers[RequestIdentifier.header] = id ?? RequestIdentifier.of(request, context)
        return response
    }
}

/// What went wrong in a body's framing, in words for the caller.
enum MalformedBody {
    static func reason(_ error: HTTPParserError) -> String {
        switch error {
        case .invalidEOFState: return "the connection ended before the body did"
        case .invalidChunkSize: return "invalid chunk size"
        case .lfExpected, .strictModeAssertion, .invalidConstant: return "invalid chunk framing"
        case .invalidContentLength, .unexpectedContentLength: return "invalid Content-Length"
        default: return "invalid framing"
        }
    }
}
