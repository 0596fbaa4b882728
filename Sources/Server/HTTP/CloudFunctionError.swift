import Hummingbird
import PushCompose

/// An error answered in the protocol's shape, `{"code": N, "error": "..."}`.
struct CloudFunctionError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: Int
    let message: String

    static let unauthorized = CloudFunctionError(status: .unauthorized, code: 401, message: "Unauthorized.")

    static func notFound(function name: String) -> CloudFunctionError {
        CloudFunctionError(status: .notFound, code: 404, message: "cloud func named '\(name)' not found.")
    }

    static func badRequest(_ message: String) -> CloudFunctionError {
        CloudFunctionError(status: .badRequest, code: 400, message: message)
    }

    static func bodyTooLarge(limit: Int) -> CloudFunctionError {
        CloudFunctionError(status: .contentTooLarge, code: 413, message: "body is larger than the limit of \(limit) bytes")
    }

    /// A failure of the service: the protocol's code 141. The caller gets the request id
    /// only; what failed is in the log under that id.
    static func internalError(requestID: String) -> CloudFunctionError {
        CloudFunctionError(status: .internalServerError, code: 141, message: "internal error, request id \(requestID)")
    }

    var body: String {
        JSONEncoding.string(.object([(key: "code", value: .number(Double(code))), (key: "error", value: .string(message))]))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status: status, body: body)
    }
}

enum JSONResponse {
    static func make(status: HTTPResponse.Status = .ok, body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// The success envelope, `{"result": <value>}`.
    static func result(_ value: JSONValue) -> Response {
        make(body: JSONEncoding.string(.object([(key: "result", value: value)])))
    }
}
