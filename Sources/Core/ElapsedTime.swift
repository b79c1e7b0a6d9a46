import Foundation

/// Elapsed times for people: `4.2s` under a minute, `3m07s` above.
public enum ElapsedTime {
    public static func text(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }
}
