/// A JSON-RPC error object, with the codes JSON-RPC 2.0 and LSP 3.17 define.
struct ResponseError: Error, Codable, Equatable, Sendable {
    var code: Int
    var message: String

    init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    static let parseErrorCode = -32700
    static let invalidRequestCode = -32600
    static let methodNotFoundCode = -32601
    static let invalidParamsCode = -32602
    static let internalErrorCode = -32603
    static let serverNotInitializedCode = -32002
    static let requestFailedCode = -32803
    static let requestCancelledCode = -32800

    static func parseError(_ m: String) -> ResponseError { ResponseError(code: parseErrorCode, message: m) }
    static func invalidRequest(_ m: String) -> ResponseError { ResponseError(code: invalidRequestCode, message: m) }
    static func methodNotFound(_ method: String) -> ResponseError {
        ResponseError(code: methodNotFoundCode, message: "method not found: \(method)")
    }
    static func invalidParams(_ m: String) -> ResponseError { ResponseError(code: invalidParamsCode, message: m) }
    static func requestFailed(_ m: String) -> ResponseError { ResponseError(code: requestFailedCode, message: m) }
}
