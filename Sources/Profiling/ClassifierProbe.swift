import Foundation

/// The classifier view of MoA evaluation (as the SimCLR project's feature_eval): a
/// classifier trained with whole compounds held out, leave-one-compound-out. `linear` is
/// the linear probe (multinomial logistic regression, L2, C = 1); `randomForest` a
/// seeded random forest.
///
/// Rows are the MoA rows of the labels (no DMSO, no empty MoA). For each compound, the
/// model is fitted on the other compounds' rows, after standardizing each feature with the
/// training rows' mean and population standard deviation (a zero deviation divides by 1,
/// as scikit-learn's StandardScaler), and predicts the held-out rows. Accuracy = correct
/// predictions / rows. Classes are the MoAs present in the training fold; a held-out
/// compound whose MoA has no other compound can never be predicted right, as in the
/// BBBC021 protocol.
public struct ClassifierProbe: Sendable {
    public enum Kind: Sendable, Equatable {
        case linear(c: Double)
        case randomForest(trees: Int, seed: UInt64)
    }

    /// Predicted MoA per evaluated row (table row index -> MoA).
    public let predictions: [Int: String]
    public let accuracy: Double

    public init(table: ProfileTable, labels: TreatmentLabels, kind: Kind = .linear(c: 1)) {
        let rows = labels.moaRows
        var compounds: [String] = []
        for r in rows where !compounds.contains(labels.compound[r]) { compounds.append(labels.compound[r]) }
        // Folds are independent and each is deterministic, so forest folds run
        // concurrently and the result does not depend on the number of threads. Linear
        // folds stay sequential: their time is in BLAS calls, which thread by themselves
        // and slow down several-fold when called from many threads at once.
        var folds = [[(row: Int, moa: String)]](repeating: [], count: compounds.count)
        let run = { (f: Int) in
            Self.fold(holdingOut: compounds[f], rows: rows, table: table, labels: labels, kind: kind)
        }
        if case .randomForest = kind {
            folds.withUnsafeMutableBufferPointer { out in
                let out = out
                DispatchQueue.concurrentPerform(iterations: compounds.count) { f in out[f] = run(f) }
            }
        } else {
            for f in compounds.indices { folds[f] = run(f) }
        }
        var predictions: [Int: String] = [:]
        for fold in folds { for p in fold { predictions[p.row] = p.moa } }
        self.predictions = predictions
        let correct = predictions.filter { labels.moa[$0.key] == $0.value }.count
        accuracy = predictions.isEmpty ? .nan : Double(correct) / Double(predictions.count)
    }

    /// Trains on every compound but `held` and predicts `held`'s rows.
    static func fold(holdingOut held: String, rows: [Int], table: ProfileTable, labels: TreatmentLabels,
                     kind: Kind) -> [(row: Int, moa: String)] {
        let train = rows.filter { labels.compound[$0] != held }
        let test = rows.filter { labels.compound[$0] == held }
        guard !train.isEmpty else { return [] }
        let classes = Array(Set(train.map { labels.moa[$0] })).sorted()
        if classes.count == 1 { return test.map { ($0, classes[0]) } }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let scaler = Standardizer(table: table, rows: train)
        let x = scaler.transform(table: table, rows: train)
        let d = table.featureCount
        let y = train.map { classIndex[labels.moa[$0]]! }
        let predict: (ArraySlice<Double>) -> Int
        switch kind {
        case .linear(let c):
            let model = LogisticRegression(x: x, n: train.count, d: d, y: y, classCount: classes.count, c: c)
            predict = model.predict
        case .randomForest(let trees, let seed):
            let model = RandomForest(x: x, n: train.count, d: d, y: y, classCount: classes.count,
                                     treeCount: trees, seed: seed)
            predict = model.predict
        }
        let xt = scaler.transform(table: table, rows: test)
        return test.enumerated().map { i, r in (r, classes[predict(xt[(i * d)..<((i + 1) * d)])]) }
    }
}
