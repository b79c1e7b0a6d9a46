import CDNNL

/// The number format inference kernels compute in: f32 everywhere, or bfloat16 activations
/// and weights with f32 accumulation (oneDNN's bf16 kernels) where the CPU has bf16 units.
///
/// bf16 keeps f32's exponent range with an 8-bit mantissa, so a network's maps differ from
/// f32 in the third significant digit; on AVX-512 BF16 or AMX it doubles the rate of the
/// convolutions and halves the activations' memory traffic. Without those units oneDNN would
/// emulate it slower than f32, so it is refused there (`unavailableReason`).
public enum NumericPrecision: String, Codable, Sendable, CaseIterable {
    case f32, bf16

    /// Why this precision cannot run on `cpu` (nil when it can).
    public func unavailableReason(on cpu: CPUFeatures = .current()) -> String? {
        guard self == .bf16, !cpu.supportsBF16 else { return nil }
        return "bf16 needs a CPU with AVX-512 BF16 or AMX (avx512_bf16 / amx_bf16 in /proc/cpuinfo); this one has neither: use f32"
    }

    var dnnlType: dnnl_data_type_t { self == .f32 ? dnnl_f32 : dnnl_bf16 }
    var bytes: Int { self == .f32 ? 4 : 2 }
}
