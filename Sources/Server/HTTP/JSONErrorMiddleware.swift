import Hummingbird
import Logging

/// Every error leaves as JSON in the protocol's `{"code", "error"}` shape, and counts.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as CloudFunctionError {
            metrics.requestError(status: Int(error.status.code))
            return try error.response(from: request, context: context)
        } catch let error as HTTPResponseError {
            metrics.requestError(status: Int(error.status.code))
            let message = error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase
            return try CloudFunctionError(status: error.status, code: Int(error.status.code), message: message)
                .response(from: request, context: context)
        } catch {
            metrics.requestError(status: 500)
            context.logger.error("function failed: \(error)")
            return try CloudFunctionError.functionFailed(String(describing: error)).response(from: request, context: context)
        }
    }
}
