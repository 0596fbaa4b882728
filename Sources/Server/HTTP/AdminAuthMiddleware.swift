import Hummingbird

struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !token.isEmpty else {
            throw CloudFunctionError(status: .forbidden, code: 403, message: "the admin API is off: set PUSHCOMPOSE_ADMIN_TOKEN")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              ConstantTime.equals(header.dropFirst("Bearer ".count), token)
        else {
            throw CloudFunctionError(status: .unauthorized, code: 401, message: "Unauthorized.")
        }
        return try await next(request, context)
    }
}
