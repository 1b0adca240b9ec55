import Foundation
import Storage
import ZIPFoundation

/// What the privacy screens and commands do, on the data map the features declare
/// (`Feature.personalData`): find a person, give them what is held, erase it, and keep nothing
/// longer than the retention settings say.
extension Application {
    /// Every table the features declare holds personal data (each feature's declarations,
    /// without an application: for the data map test and the command line).
    public static var declaredPersonalData: [PersonalData] { builtInFeatures.flatMap { $0.personalData } }

    /// A keyed fingerprint of an address for the audit log: staff can tell later whether an
    /// address was searched or erased (by computing it again), and the log holds no address.
    public func addressFingerprint(_ email: String) -> String {
        serverKey.mac(email.lowercased(), purpose: "privacy-audit").prefix(8).hexString
    }

    public func privacyFind(_ db: Connection, email: String) throws -> [PersonalDataStore.Found] {
        try PersonalDataStore.find(db, email: email, in: personalData)
    }

    /// The language the person used most (their signatures', stories', subscriptions'), for the
    /// export's README; English when nothing says.
    public func likelyLanguage(_ found: [PersonalDataStore.Found]) -> String {
        let languages = found.flatMap { $0.rows.compactMap { $0["language"] } }
        return languages.filter { $0 == "fr" }.count > languages.count / 2 ? "fr" : "en"
    }

    /// A ZIP of everything held about `email`: `README.txt` in `language`, `data.json`, and one
    /// CSV per kind of record.
    public func privacyExport(_ db: Connection, email: String, language: String) throws -> Data {
        let found = try privacyFind(db, email: email)
        let t = localizer(language)
        let archive = try Archive(data: Data(), accessMode: .create)
        func add(_ path: String, _ data: Data) throws {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let kinds = found.map { "- \($0.what): \($0.rows.count) (\($0.table).csv)" }.joined(separator: "\n")
        let readme = t(
            "privacy.export.readme",
            [
                "site": siteName, "email": email, "date": DateText.day(Timestamp.now(), t: t),
                "kinds": kinds.isEmpty ? t("privacy.export.nothing") : kinds, "privacy": absoluteURL(t.path("/privacy")),
            ])
        try add("README.txt", Data(readme.utf8))
        try add("data.json", try PersonalDataStore.exportJSON(db, email: email, in: personalData))
        for table in found {
            let columns = Array(Set(table.rows.flatMap(\.keys))).sorted()
            var csv: [UInt8] = [0xEF, 0xBB, 0xBF]
            CSV.appendRow(columns, to: &csv)
            for row in table.rows { CSV.appendRow(columns.map { row[$0] ?? "" }, to: &csv) }
            try add("\(table.table).csv", Data(csv))
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    /// What erasing `email` would do (found on a reader).
    public func privacyPreview(_ db: Connection, email: String, removing: Bool) throws -> [PersonalDataStore.Outcome] {
        PersonalDataStore.preview(try PersonalDataStore.locate(db, email: email, in: personalData), removing: removing)
    }

    /// The writes an erasure takes: each declaration's rows in batches of keys.
    func erasureBatches(_ located: [PersonalDataStore.Located]) -> [(PersonalData, [SQLValue])] {
        located.flatMap { found in
            stride(from: 0, to: found.keys.count, by: PersonalDataStore.batch).map {
                (found.declaration, Array(found.keys[$0..<min($0 + PersonalDataStore.batch, found.keys.count)]))
            }
        }
    }

    /// The outcomes of several batches, one line per kind of record.
    static func merged(_ outcomes: [PersonalDataStore.Outcome]) -> [PersonalDataStore.Outcome] {
        var merged: [PersonalDataStore.Outcome] = []
        for o in outcomes {
            if let i = merged.firstIndex(where: { $0.what == o.what }) {
                merged[i].deleted += o.deleted
                merged[i].blanked += o.blanked
                merged[i].kept += o.kept
                merged[i].removed += o.removed
            } else {
                merged.append(o)
            }
        }
        return merged
    }

    /// The last write of an erasure: who did it and why, with the address's fingerprint (never
    /// the address), and the pictures it left unused (their files go after, `forgetPictures`).
    func finishErasure(
        _ db: Connection, email: String, outcomes: [PersonalDataStore.Outcome], removing: Bool, actor: StaffUser?, actorName: String,
        why: String
    ) throws -> [Int64] {
        let total = outcomes.reduce(0) { $0 + $1.deleted + $1.blanked + $1.removed }
        try StaffStore.record(
            db, user: actor, actor: actorName, action: removing ? "erase and remove" : "erase", subject: "personal data",
            detail: "address \(addressFingerprint(email)); \(total) records; why: \(why)")
        return try unusedPictures(db)
    }

    /// Erases everything held about `email`: found on a reader, erased by key in writes of a
    /// few hundred rows (so the writer is never held long), recorded, pictures swept.
    public func eraseEverywhere(
        email: String, removing: Bool, actor: StaffUser? = nil, actorName: String, why: String
    ) async throws -> [PersonalDataStore.Outcome] {
        let located = try database.read { try PersonalDataStore.locate($0, email: email, in: personalData) }
        var outcomes: [PersonalDataStore.Outcome] = []
        for (declaration, keys) in erasureBatches(located) {
            outcomes.append(try await database.write { try PersonalDataStore.apply($0, declaration, keys: keys, removing: removing) })
        }
        let merged = Self.merged(outcomes)
        let pictures = try await database.write {
            try self.finishErasure($0, email: email, outcomes: merged, removing: removing, actor: actor, actorName: actorName, why: why)
        }
        forgetPictures(pictures)
        return merged
    }

    /// The same, waiting on this thread (the command line).
    public func eraseEverywhereAndWait(email: String, removing: Bool, actorName: String, why: String) throws -> [PersonalDataStore.Outcome]
    {
        let located = try database.read { try PersonalDataStore.locate($0, email: email, in: personalData) }
        var outcomes: [PersonalDataStore.Outcome] = []
        for (declaration, keys) in erasureBatches(located) {
            outcomes.append(try database.writeAndWait { try PersonalDataStore.apply($0, declaration, keys: keys, removing: removing) })
        }
        let merged = Self.merged(outcomes)
        let pictures = try database.writeAndWait {
            try self.finishErasure($0, email: email, outcomes: merged, removing: removing, actor: nil, actorName: actorName, why: why)
        }
        forgetPictures(pictures)
        return merged
    }

    /// Pictures no item uses any more (an erased story's photo): their rows, in the caller's
    /// transaction. Their files go with `forgetPictures` once it commits.
    func unusedPictures(_ db: Connection) throws -> [Int64] {
        let ids = try MediaStore.unused(db, owners: pictureOwners)
        for id in ids { try MediaStore.delete(db, id: id) }
        return ids
    }

    /// The files of pictures whose rows are gone.
    func forgetPictures(_ ids: [Int64]) {
        for id in ids {
            try? FileManager.default.removeItem(atPath: mediaDirectory + "/\(id)")
            mediaFiles.forget(folder: String(id))
        }
    }
}
