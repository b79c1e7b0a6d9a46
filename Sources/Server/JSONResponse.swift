import Foundation
import Hummingbird

/// JSON responses from plain values (keys sorted, so output is stable); request bodies are
/// typed and decoded by `APIRequestDecoder`.
enum JSONResponse {
    static func make(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: JSONText.encode(object))))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        make(["error": message], status: status)
    }

    static func bytes(_ bytes: [UInt8], contentType: String, cache: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if cache { headers[.cacheControl] = "max-age=3600" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A filter typed as one string, as in the web page's filter box: conditions joined by
/// " and " (the way `ItemFilter.description` prints them).
enum FilterText {
    static func split(_ text: String) -> [String] {
        text.components(separatedBy: " and ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
