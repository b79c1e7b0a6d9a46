import Core
import Foundation
import Screen

/// A classifier's results on held-out cells: the confusion matrix (rows true class, columns
/// predicted), per-class accuracy (recall), accuracy and balanced accuracy, the mean of the
/// per-class accuracies over the classes that have held-out cells (scikit-learn's
/// `balanced_accuracy_score`, which leaves out classes absent from the truth).
public struct ClassificationReport: Equatable, Sendable {
    public let classes: [String]
    /// counts[t][p]: cells of true class t predicted as p.
    public let counts: [[Int]]

    /// `truth` and `predicted` hold class indices into `classes`, one pair per cell.
    public init(classes: [String], truth: [Int], predicted: [Int]) {
        precondition(truth.count == predicted.count, "ClassificationReport: \(truth.count) truths, \(predicted.count) predictions")
        var m = Array(repeating: Array(repeating: 0, count: classes.count), count: classes.count)
        for (t, p) in zip(truth, predicted) { m[t][p] += 1 }
        self.classes = classes
        counts = m
    }

    /// Held-out cells of each class.
    public var support: [Int] { counts.map { $0.reduce(0, +) } }
    /// Correct predictions over cells of each class; nan for a class with no cells.
    public var perClassAccuracy: [Double] {
        counts.indices.map { i in support[i] > 0 ? Double(counts[i][i]) / Double(support[i]) : .nan }
    }
    public var accuracy: Double {
        let n = support.reduce(0, +)
        return n > 0 ? Double(counts.indices.reduce(0) { $0 + counts[$1][$1] }) / Double(n) : .nan
    }
    public var balancedAccuracy: Double {
        let present = perClassAccuracy.filter(\.isFinite)
        return present.isEmpty ? .nan : present.reduce(0, +) / Double(present.count)
    }

    /// `confusion_matrix.csv` (first column the true class, one column per predicted class)
    /// and `per_class_accuracy.csv` (class, cells, correct, accuracy; last row the balanced
    /// accuracy) in `directory`.
    public func write(to directory: URL) throws {
        let confusion = CSVTable(header: ["true\\predicted"] + classes,
                                 rows: classes.indices.map { [classes[$0]] + counts[$0].map(String.init) })
        try confusion.write(to: directory.appendingPathComponent("confusion_matrix.csv"))
        let acc = perClassAccuracy
        var rows = classes.indices.map { i in
            [classes[i], String(support[i]), String(counts[i][i]), acc[i].isFinite ? String(acc[i]) : ""]
        }
        rows.append(["(balanced)", String(support.reduce(0, +)), String(counts.indices.reduce(0) { $0 + counts[$1][$1] }),
                     balancedAccuracy.isFinite ? String(balancedAccuracy) : ""])
        try CSVTable(header: ["class", "cells", "correct", "accuracy"], rows: rows)
            .write(to: directory.appendingPathComponent("per_class_accuracy.csv"))
    }
}
