import Foundation
import Hummingbird

/// A request the server refuses, answered with `status` and `{"error": message}`.
///
/// Handlers throw it for every client mistake; `JSONErrorMiddleware` turns it, and any other
/// error, into that JSON shape so clients parse one error format whatever went wrong.
public struct APIError: Error, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public init(_ status: HTTPResponse.Status, _ message: String) { self.status = status; self.message = message }
    public var description: String { "\(status.code): \(message)" }

    static func badRequest(_ m: String) -> APIError { APIError(.badRequest, m) }
    static func notFound(_ m: String) -> APIError { APIError(.notFound, m) }
}

/// Catches every error thrown below it and answers with a JSON error body: client errors
/// keep their status, Hummingbird's own (no route, body too large) are re-worded, and
/// anything unexpected becomes a 500 without taking the server down.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as APIError {
            return JSONResponse.error(e.status, e.message)
        } catch let e as HTTPError {
            let message: String
            let allowed = SearchAPI.allowedMethods(path: request.uri.path)
            if e.status == .notFound, !allowed.isEmpty, !allowed.contains(request.method.rawValue) {
                // A known path asked with a method it does not have: 405 naming those it has.
                var response = JSONResponse.error(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))")
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            switch e.status {
            case .notFound: message = "no route for \(request.method) \(request.uri.path)"
            case .methodNotAllowed: message = "\(request.method) is not allowed on \(request.uri.path)"
            default: message = e.body ?? e.status.reasonPhrase
            }
            return JSONResponse.error(e.status, message)
        } catch let e as HTTPResponseError {
            // NIO's "too many bytes" from collecting a body arrives here as 413.
            if e.status == .contentTooLarge {
                return JSONResponse.error(e.status, "request body is larger than the limit for \(request.uri.path)")
            }
            return JSONResponse.error(e.status, e.status.reasonPhrase)
        } catch {
            context.logger.error("internal error on \(request.method) \(request.uri.path): \(error)")
            return JSONResponse.error(.internalServerError, "internal error: \(error)")
        }
    }
}
