import Tensor

/// DINO's projection head (Caron et al. 2021, `DINOHead` in facebookresearch/dino): an MLP
/// (`mlp.0`, GELU, `mlp.2`, GELU, `mlp.4` for 3 layers) to a bottleneck, L2 normalisation,
/// then a weight-normalised Linear without bias (`last_layer.weight_g` [out, 1],
/// `last_layer.weight_v` [out, bottleneck]; weight = g * v / ||v|| per row). With
/// `normLastLayer` (DINO's default) g is fixed at 1 and not trained.
public final class DINOHead: Layer {
    public let mlp: Sequential
    public let weightG: Tensor
    public let weightV: Tensor
    public let normLastLayer: Bool
    public var isTraining = true

    public init(inDim: Int, outDim: Int, hiddenDim: Int = 2048, bottleneckDim: Int = 256, layers: Int = 3,
                normLastLayer: Bool = true, seed: UInt64 = 0) {
        precondition(layers >= 1, "DINOHead: need at least one layer")
        var rng = RandomGenerator(seed: seed)
        var ls: [any Layer] = []
        if layers == 1 {
            ls.append(Linear(inDim, bottleneckDim, rng: &rng))
        } else {
            ls.append(Linear(inDim, hiddenDim, rng: &rng)); ls.append(GELU())
            for _ in 0..<(layers - 2) { ls.append(Linear(hiddenDim, hiddenDim, rng: &rng)); ls.append(GELU()) }
            ls.append(Linear(hiddenDim, bottleneckDim, rng: &rng))
        }
        mlp = Sequential(ls)
        // DINO init: trunc-normal(0.02) Linear weights, zero biases.
        for (name, p) in mlp.namedParameters() {
            p.assign(name.hasSuffix("weight") ? Tensor.truncatedNormal(p.shape, std: 0.02, rng: &rng) : Tensor.zeros(p.shape))
        }
        let bound = 1 / Float(bottleneckDim).squareRoot()
        weightV = Tensor.uniform([outDim, bottleneckDim], low: -bound, high: bound, rng: &rng, requiresGrad: true)
        weightG = Tensor.ones([outDim, 1], requiresGrad: !normLastLayer)
        self.normLastLayer = normLastLayer
    }

    public var localParameters: [(String, Tensor)] { normLastLayer ? [] : [("last_layer.weight_g", weightG)] }
    public var localBuffers: [(String, Tensor)] { normLastLayer ? [("last_layer.weight_g", weightG)] : [] }
    public var children: [(String, any Module)] { [("mlp", mlp), ("last_layer", WeightV(weightV))] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let z = mlp(x).l2Normalized()
        let w = weightG * weightV.l2Normalized()
        return z.matmul(w.transposed())
    }

    /// Holds `weight_v` under the `last_layer` prefix.
    final class WeightV: Module {
        let v: Tensor
        var isTraining = true
        init(_ v: Tensor) { self.v = v }
        var localParameters: [(String, Tensor)] { [("weight_v", v)] }
    }
}
