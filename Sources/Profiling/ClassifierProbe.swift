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
        var predictions: [Int: String] = [:]
        for held in compounds {
            let train = rows.filter { labels.compound[$0] != held }
            let test = rows.filter { labels.compound[$0] == held }
            guard !train.isEmpty else { continue }
            let classes = Array(Set(train.map { labels.moa[$0] })).sorted()
            let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            let scaler = Standardizer(table: table, rows: train)
            let x = scaler.transform(table: table, rows: train)
            let d = table.featureCount
            if classes.count == 1 {
                for r in test { predictions[r] = classes[0] }
                continue
            }
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
            for (i, r) in test.enumerated() {
                predictions[r] = classes[predict(xt[(i * d)..<((i + 1) * d)])]
            }
        }
        self.predictions = predictions
        let correct = predictions.filter { labels.moa[$0.key] == $0.value }.count
        accuracy = predictions.isEmpty ? .nan : Double(correct) / Double(predictions.count)
    }
}

/// Per-feature standardization fitted on some rows: (x - mean) / std, population std,
/// a zero std replaced by 1 (scikit-learn's StandardScaler convention).
struct Standardizer {
    var mean: [Double]
    var scale: [Double]

    init(table: ProfileTable, rows: [Int]) {
        let d = table.featureCount
        mean = [Double](repeating: 0, count: d)
        scale = [Double](repeating: 1, count: d)
        for j in 0..<d {
            let col = rows.map { table[$0, j] }
            mean[j] = Statistics.mean(col)
            let s = Statistics.std(col)
            scale[j] = s < 10 * Double.ulpOfOne * max(abs(mean[j]), 1) ? 1 : s
        }
    }

    /// The standardized rows, row-major.
    func transform(table: ProfileTable, rows: [Int]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(rows.count * mean.count)
        for r in rows { for j in mean.indices { out.append((table[r, j] - mean[j]) / scale[j]) } }
        return out
    }
}
