import HTTP

/// `GET /healthz`: `ok` when the database answers.
enum HealthFeature: Feature {
    static func register(in app: Application) {
        app.router.get("/healthz") { _ in
            var response: Response
            do {
                response = try app.database.answers() ? .text("ok\n") : .text("database did not answer\n", status: .serviceUnavailable)
            } catch {
                response = .text("database unavailable\n", status: .serviceUnavailable)
            }
            response.cache(.noStore)
            return response
        }
    }
}
