import HTTP

/// `GET /healthz`: `ok` when the database answers.
struct HealthFeature: Feature {
    let app: Application

    func register() {
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
