import Testing

@testable import KontextNet

@Suite("Router", .timeLimit(.minutes(1)))
struct RouterTests {
    private func router() -> Router {
        var router = Router()
        router.add("GET", "/v1/tasks/:uuid") { _, parameters in
            HTTPResponse(status: 200, body: Array("task \(parameters["uuid"] ?? "-")".utf8))
        }
        router.add("GET", "/v1/tasks/stats") { _, _ in HTTPResponse(status: 200, body: Array("stats".utf8)) }
        router.add("post", "/webhooks/runware/:taskUUID") { request, parameters in
            HTTPResponse(status: 202, body: Array("hook \(parameters["taskUUID"] ?? "-") \(request.query["token"] ?? "-")".utf8))
        }
        router.add("PUT", "/webhooks/runware/:taskUUID") { _, _ in HTTPResponse(status: 204) }
        return router
    }

    private func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func capturesDecodedParameters() async {
        let response = await router().respond(to: HTTPRequest(method: "GET", uri: "/v1/tasks/a%2Fb%20c"))
        #expect(response.status == 200)
        #expect(text(response) == "task a/b c")
    }

    @Test func literalRouteBeatsParameterRoute() async {
        let response = await router().respond(to: HTTPRequest(method: "GET", uri: "/v1/tasks/stats"))
        #expect(text(response) == "stats")
    }

    @Test func methodIsCaseInsensitiveAndQueryReachesHandler() async {
        let response = await router().respond(to: HTTPRequest(method: "POST", uri: "/webhooks/runware/t-1/?token=s3"))
        #expect(response.status == 202)
        #expect(text(response) == "hook t-1 s3")
    }

    @Test func unknownPathIs404JSON() async {
        let response = await router().respond(to: HTTPRequest(method: "GET", uri: "/v1/nothing"))
        #expect(response.status == 404)
        #expect(response.headers.value(named: "content-type") == "application/json")
        #expect(text(response).hasPrefix("{\"error\":{\"code\":\"not_found\","))
        // A parameter segment never matches an empty segment.
        let empty = await router().respond(to: HTTPRequest(method: "GET", uri: "/v1/tasks//"))
        #expect(empty.status == 404)
    }

    @Test func wrongMethodIs405WithAllow() async {
        let response = await router().respond(to: HTTPRequest(method: "DELETE", uri: "/webhooks/runware/x"))
        #expect(response.status == 405)
        #expect(response.headers.value(named: "allow") == "POST, PUT")
        #expect(text(response).contains("\"code\":\"method_not_allowed\""))
    }

    @Test func headFallsBackToGet() async {
        let response = await router().respond(to: HTTPRequest(method: "HEAD", uri: "/v1/tasks/x"))
        #expect(response.status == 200)
        let allow = await router().respond(to: HTTPRequest(method: "POST", uri: "/v1/tasks/x"))
        #expect(allow.headers.value(named: "allow") == "GET, HEAD")
    }
}

@Suite("HTTP request and response values", .timeLimit(.minutes(1)))
struct HTTPMessageTests {
    @Test func errorBodyEscapesJSON() {
        let response = HTTPResponse.error(
            status: 400, code: "bad\"code", message: "line1\nquote \" back\\ tab\t bell\u{07} é",
            extraHeaders: [HTTPHeader("Retry-After", "3")])
        #expect(response.status == 400)
        #expect(
            String(decoding: response.body, as: UTF8.self)
                == "{\"error\":{\"code\":\"bad\\\"code\",\"message\":\"line1\\nquote \\\" back\\\\ tab\\t bell\\u0007 é\"}}")
        #expect(response.headers == [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Retry-After", "3")])
    }

    @Test func requestDerivesPathAndQuery() {
        let request = HTTPRequest(
            method: "GET", uri: "/a+b/%E2%9C%93/%zz?x=1&x=2&empty=&plus=a+b%2Bc&%6Eame=v#frag",
            headers: [HTTPHeader("X-A", "1"), HTTPHeader("x-a", "2")])
        #expect(request.path == "/a+b/✓/%zz")
        #expect(request.query == ["x": "2", "empty": "", "plus": "a b+c", "name": "v"])
        #expect(request.header("X-a") == "2")
        #expect(request.header("missing") == nil)
    }
}

@Suite("Router knows its routes")
struct RouterRouteQueryTests {
    @Test func routesAnswersWhatAHandlerWouldServe() {
        var router = Router()
        router.add("GET", "/v1/tasks/:uuid") { _, _ in HTTPResponse(status: 200) }
        router.add("POST", "/v1/tasks") { _, _ in HTTPResponse(status: 202) }
        #expect(router.routes(method: "GET", uri: "/v1/tasks/abc?x=1"))
        #expect(router.routes(method: "HEAD", uri: "/v1/tasks/abc"))
        #expect(router.routes(method: "post", uri: "/v1/tasks"))
        #expect(!router.routes(method: "PUT", uri: "/v1/tasks"))
        #expect(!router.routes(method: "GET", uri: "/nowhere"))
    }
}
