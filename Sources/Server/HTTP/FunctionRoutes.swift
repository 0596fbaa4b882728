import Hummingbird
import PushCompose

/// The hook host's routes (docs/hook-protocol.md, "Routes"), under each of the four prefixes.
struct FunctionRoutes: Sendable {
    static let prefixes = ["/1.1/functions", "/1/functions", "/__engine/1.1/functions", "/__engine/1/functions"]

    let service: HookService
    let authenticator: RequestAuthenticator
    let maxBodyBytes: Int

    func register(on router: Router<BasicRequestContext>) {
        for prefix in Self.prefixes {
            router.get("\(prefix)/_ops/metadatas") { request, _ in try metadatas(request) }
            router.post("\(prefix)/_ops/metadatas") { request, _ in try metadatas(request) }
            router.post("\(prefix)/{name}") { request, context in
                try await function(request, name: context.parameters.require("name"))
            }
        }
    }

    private func metadatas(_ request: Request) throws -> Response {
        guard let caller = authenticator.caller(request.headers), caller != .app else {
            throw CloudFunctionError.unauthorized
        }
        return JSONResponse.result(.array(HookService.functions.map(JSONValue.string)))
    }

    private func function(_ request: Request, name: String) async throws -> Response {
        guard authenticator.caller(request.headers) != nil else { throw CloudFunctionError.unauthorized }
        if RealtimeHookNames.all.contains(name) {
            guard authenticator.hasHookKey(request.headers) else { throw CloudFunctionError.unauthorized }
        }
        guard HookService.functions.contains(name) else { throw CloudFunctionError.notFound(function: name) }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            // Refused on the head alone: a caller waiting for `100 Continue` gets it before sending the body.
            throw CloudFunctionError.bodyTooLarge(limit: maxBodyBytes)
        }
        let body = try await request.collectBody(upTo: maxBodyBytes)
        return JSONResponse.result(try await service.call(name, body: body))
    }
}
