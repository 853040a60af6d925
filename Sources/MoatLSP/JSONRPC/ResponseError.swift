/// A JSON-RPC error object, with the codes JSON-RPC 2.0 and LSP 3.17 define.
public struct ResponseError: Error, Codable, Equatable, Sendable {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    public static let serverNotInitializedCode = -32002
    public static let requestFailedCode = -32803
    public static let requestCancelledCode = -32800

    public static func parseError(_ m: String) -> ResponseError { ResponseError(code: parseErrorCode, message: m) }
    public static func invalidRequest(_ m: String) -> ResponseError { ResponseError(code: invalidRequestCode, message: m) }
    public static func methodNotFound(_ method: String) -> ResponseError {
        ResponseError(code: methodNotFoundCode, message: "method not found: \(method)")
    }
    public static func invalidParams(_ m: String) -> ResponseError { ResponseError(code: invalidParamsCode, message: m) }
    public static func requestFailed(_ m: String) -> ResponseError { ResponseError(code: requestFailedCode, message: m) }
}
