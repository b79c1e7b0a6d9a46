import Imaging
import Learning
import Profiling
import Screen

// The named choices of a run config, one enum per key, each decoded strictly (`ConfigChoice`)
// and mapped onto the type of the module that does the work. New methods are a new case
// here plus its mapping (the compiler then lists every switch that must handle it).

/// `screen.synthetic.preset`: the layout of a synthetic screen.
public enum SyntheticPreset: String, ConfigChoice { case standard, bbbc021 }

/// `segmentation.method`: where a site's cell masks come from.
public enum SegmentationMethod: String, ConfigChoice {
    /// Nuclei by a global threshold and watershed, cells by propagation.
    case classic
    /// The synthetic screen's true masks.
    case groundTruth = "ground_truth"
    /// An existing masks.csv.
    case masks
    /// Given nucleus centres; nuclei and cells grown from them.
    case locations
    /// Nuclei by the learned U-Net (`segmentation.model`, the shipped model when empty), cells
    /// by propagation as in classic.
    case model

    /// Whether the run segments the images itself (a `segment` stage per plate).
    public var segmentsImages: Bool {
        switch self {
        case .classic, .locations, .model: return true
        case .groundTruth, .masks: return false
        }
    }
}

/// `segmentation.nucleus_threshold`.
public enum NucleusThreshold: String, ConfigChoice {
    case otsu, li
    public var method: Segmentation.ThresholdMethod {
        switch self {
        case .otsu: return .otsu
        case .li: return .li
        }
    }
}

/// `illumination.smoothing`.
public enum IlluminationSmoothing: String, ConfigChoice {
    case median, polynomial
    public var smoothing: IlluminationFunction.Smoothing {
        switch self {
        case .median: return .median
        case .polynomial: return .polynomial
        }
    }
}

/// `normalization.level`: the group whose intensity percentiles map to 0 and 1.
public enum NormalizationLevel: String, ConfigChoice {
    case none, plate, well, image
    public var level: IntensityNormalization.Level {
        switch self {
        case .none: return .none
        case .plate: return .plate
        case .well: return .well
        case .image: return .image
        }
    }
}

/// `normalization.output`: the sample type of corrected images.
public enum CorrectedImageType: String, ConfigChoice {
    case u16, f32
    public var outputType: ScreenPreprocessing.OutputType {
        switch self {
        case .u16: return .u16
        case .f32: return .f32
        }
    }
}

/// `crops.dtype`: how crops are stored.
public enum CropDType: String, ConfigChoice {
    case u16, f16
    public var dtype: CropStore.DType {
        switch self {
        case .u16: return .u16
        case .f16: return .f16
        }
    }
}

/// `features.families`: the CellProfiler-style measurement families.
public enum FeatureFamily: String, ConfigChoice {
    case intensity, shape, texture, granularity, radial, correlation
    public var family: MeasurementFamily {
        switch self {
        case .intensity: return .intensity
        case .shape: return .shape
        case .texture: return .texture
        case .granularity: return .granularity
        case .radial: return .radial
        case .correlation: return .correlation
        }
    }
}

/// `profiles.normalize`: per-plate normalization against DMSO.
public enum ProfileNormalization: String, ConfigChoice {
    case none, standardize
    case robustZ = "robust-z"
    case madRobustize = "mad-robustize"
    public var method: PlateNormalization.Method? {
        switch self {
        case .none: return nil
        case .standardize: return .standardize
        case .robustZ: return .robustZ
        case .madRobustize: return .madRobustize
        }
    }
}

/// `profiles.spherize`: sphering against DMSO after feature selection.
public enum SpherizeChoice: String, ConfigChoice {
    case none, zca
    case zcaCor = "zca-cor"
    public var method: Spherize.Method? {
        switch self {
        case .none: return nil
        case .zca: return .zca
        case .zcaCor: return .zcaCor
        }
    }
}
