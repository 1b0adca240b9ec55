import Foundation
import XCTest

/// A real nginx in front of several servers on loopback (one `upstream`, round robin, kept-alive
/// connections to them), as deploy/README.md's nodes stand behind one; stopped by `stop()`.
/// Throws `XCTSkip` with the reason where nginx is not installed (`.ci/run` installs nginx-light).
public final class NginxTestServer: Sendable {
    public let port: Int
    private let process: Process
    private let folder: URL

    public static var binary: String? {
        ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init(upstream ports: [Int]) throws {
        guard let binary = Self.binary else { throw XCTSkip("nginx is not installed (.ci/run installs nginx-light)") }
        folder = makeTemporaryDirectory()
        port = PostgresTestServer.freePort()
        let servers = ports.map { "server 127.0.0.1:\($0);" }.joined(separator: " ")
        let temp = folder.path + "/tmp"
        let conf = """
            worker_processes 1; daemon off; pid \(folder.path)/nginx.pid; error_log \(folder.path)/error.log;
            events { worker_connections 512; }
            http {
              access_log off;
              client_body_temp_path \(temp); proxy_temp_path \(temp); fastcgi_temp_path \(temp); uwsgi_temp_path \(temp); scgi_temp_path \(temp);
              upstream nodes { \(servers) keepalive 16; }
              server {
                listen 127.0.0.1:\(port);
                location / { proxy_pass http://nodes; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }
              }
            }
            """
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        try conf.write(toFile: folder.path + "/nginx.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", folder.path, "-c", folder.path + "/nginx.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let port = self.port
        try waitUntil(timeout: 10) { (try? RawClient(port: port)) != nil }
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
