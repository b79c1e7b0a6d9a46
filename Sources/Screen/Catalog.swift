import Foundation
import GRDB

/// The SQLite catalog of a screen: batches, plates, treatments, wells, sites and their
/// channel images, in one file beside a run's outputs.
///
/// The catalog is what later stages query ("all DMSO sites of plate X", "sites not flagged
/// bad") instead of re-reading CSVs; stages that come later in the flow add their own tables
/// through further migrations (cells, runs, embeddings, tags). Loading a manifest is one
/// transaction: a failure leaves the catalog as it was.
public struct Catalog {
    public let database: DatabaseQueue

    /// Opens (creating if needed) the catalog at `url` and brings its schema up to date.
    public init(url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        database = try DatabaseQueue(path: url.path)
        try Catalog.migrator.migrate(database)
    }

    /// An in-memory catalog, for tests and one-off queries.
    public init() throws {
        database = try DatabaseQueue()
        try Catalog.migrator.migrate(database)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-screen") { db in
            try db.execute(sql: """
                CREATE TABLE batch (name TEXT PRIMARY KEY NOT NULL);
                CREATE TABLE plate (
                    name TEXT PRIMARY KEY NOT NULL,
                    batch TEXT NOT NULL REFERENCES batch(name));
                CREATE TABLE channel (name TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL);
                CREATE TABLE treatment (
                    id INTEGER PRIMARY KEY,
                    compound TEXT NOT NULL,
                    concentration REAL NOT NULL,
                    moa TEXT NOT NULL DEFAULT '',
                    UNIQUE (compound, concentration));
                CREATE TABLE well (
                    id INTEGER PRIMARY KEY,
                    plate TEXT NOT NULL REFERENCES plate(name),
                    well TEXT NOT NULL,
                    treatment_id INTEGER NOT NULL REFERENCES treatment(id),
                    UNIQUE (plate, well));
                CREATE TABLE site (
                    id INTEGER PRIMARY KEY,
                    well_id INTEGER NOT NULL REFERENCES well(id),
                    site INTEGER NOT NULL,
                    defect TEXT NOT NULL DEFAULT '',
                    excluded INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (well_id, site));
                CREATE TABLE image (
                    site_id INTEGER NOT NULL REFERENCES site(id),
                    channel TEXT NOT NULL REFERENCES channel(name),
                    path TEXT NOT NULL,
                    PRIMARY KEY (site_id, channel));
                """)
        }
        return m
    }

    /// Loads every row of `manifest` (paths stored absolute), replacing what a previous load
    /// of the same sites stored. Throws, and changes nothing, if the manifest does not
    /// validate structurally (duplicate sites, a well with two treatments, missing channels).
    public func load(_ manifest: Manifest) throws {
        let problems = manifest.validate(checkFiles: false)
        if let first = problems.first {
            throw CSVError(source: manifest.source, line: first.line, message: "\(first.field): \(first.message)"
                           + (problems.count > 1 ? " (and \(problems.count - 1) more problems)" : ""))
        }
        try database.write { db in
            for (i, ch) in manifest.channels.enumerated() {
                try db.execute(sql: "INSERT OR REPLACE INTO channel(name, position) VALUES (?, ?)", arguments: [ch, i])
            }
            // Cached statements with RETURNING: one statement per row and table, which keeps
            // a 13,200-site screen to well under a second.
            let insertBatch = try db.cachedStatement(sql: "INSERT OR IGNORE INTO batch(name) VALUES (?)")
            let insertPlate = try db.cachedStatement(sql: "INSERT OR IGNORE INTO plate(name, batch) VALUES (?, ?)")
            let upsertTreatment = try db.cachedStatement(sql: """
                INSERT INTO treatment(compound, concentration, moa) VALUES (?, ?, ?)
                ON CONFLICT(compound, concentration) DO UPDATE SET moa = excluded.moa RETURNING id
                """)
            let upsertWell = try db.cachedStatement(sql: """
                INSERT INTO well(plate, well, treatment_id) VALUES (?, ?, ?)
                ON CONFLICT(plate, well) DO UPDATE SET treatment_id = excluded.treatment_id RETURNING id
                """)
            let upsertSite = try db.cachedStatement(sql: """
                INSERT INTO site(well_id, site) VALUES (?, ?)
                ON CONFLICT(well_id, site) DO UPDATE SET site = excluded.site RETURNING id
                """)
            let upsertImage = try db.cachedStatement(sql: "INSERT OR REPLACE INTO image(site_id, channel, path) VALUES (?, ?, ?)")
            var treatmentIDs: [Treatment: Int64] = [:]
            var wellIDs: [String: Int64] = [:]
            var seenPlates = Set<String>()
            for row in manifest.rows {
                if seenPlates.insert(row.plate).inserted {
                    try insertBatch.execute(arguments: [row.batch])
                    try insertPlate.execute(arguments: [row.plate, row.batch])
                }
                let treatment = row.treatment
                let tid: Int64
                if let id = treatmentIDs[treatment] { tid = id } else {
                    tid = try Int64.fetchOne(upsertTreatment, arguments: [treatment.compound, treatment.concentration, row.moa])!
                    treatmentIDs[treatment] = tid
                }
                let wellKey = "\(row.plate)\u{0}\(row.well)"
                let wid: Int64
                if let id = wellIDs[wellKey] { wid = id } else {
                    wid = try Int64.fetchOne(upsertWell, arguments: [row.plate, row.well.description, tid])!
                    wellIDs[wellKey] = wid
                }
                let sid = try Int64.fetchOne(upsertSite, arguments: [wid, row.site])!
                for ch in manifest.channels {
                    guard let url = manifest.imageURL(row, channel: ch) else { continue }
                    // Keep the page selector: two channels may be pages of one file.
                    let page = url.fragment(percentEncoded: false).map { "#" + $0 } ?? ""
                    try upsertImage.execute(arguments: [sid, ch, url.path + page])
                }
            }
        }
    }

    /// Row counts per table, for summaries and tests.
    public func counts() throws -> [String: Int] {
        try database.read { db in
            var out: [String: Int] = [:]
            for table in ["batch", "plate", "channel", "treatment", "well", "site", "image"] {
                out[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return out
        }
    }

    /// Records a QC finding for a site; `exclude` keeps it out of later stages.
    public func flagSite(_ key: SiteKey, defect: String, exclude: Bool) throws {
        try database.write { db in
            try db.execute(sql: """
                UPDATE site SET defect = ?, excluded = ?
                WHERE site = ? AND well_id = (SELECT id FROM well WHERE plate = ? AND well = ?)
                """, arguments: [defect, exclude, key.site, key.plate, key.well.description])
            if db.changesCount == 0 {
                throw CSVError(source: "catalog", line: 0, message: "no site \(key) in the catalog")
            }
        }
    }

    /// The sites not excluded, in plate/well/site order.
    public func includedSites() throws -> [SiteKey] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT w.plate, w.well, s.site FROM site s JOIN well w ON w.id = s.well_id
                WHERE s.excluded = 0
                """).compactMap { row -> SiteKey? in
                guard let well = WellPosition(row[1] as String) else { return nil }
                return SiteKey(plate: row[0], well: well, site: row[2])
            }.sorted()
        }
    }
}
